/**
 * The keeper's log: each line to standard error (a terminal, or systemd's journal) and to
 * `keeper.log` in the state folder, which a window opens and which is rotated at 1 MiB (one
 * earlier file kept, `keeper.log.1`).
 */
import { appendFileSync, renameSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { Logger } from '../core/util/host';

const ROTATE_BYTES = 1024 * 1024;

export function keeperLogger(stateDir: string, write: (line: string) => void = (line) => process.stderr.write(line), debug = false): Logger & { file: string } {
  const file = path.join(stateDir, 'keeper.log');
  let size = (() => {
    try {
      return statSync(file).size;
    } catch {
      return 0;
    }
  })();
  const log = (level: string, message: string | Error) => {
    const line = `${new Date().toISOString()} [${level}] ${message instanceof Error ? message.message : message}\n`;
    write(line);
    try {
      if (size + line.length > ROTATE_BYTES) {
        renameSync(file, `${file}.1`);
        size = 0;
      }
      appendFileSync(file, line, { mode: 0o600 });
      size += Buffer.byteLength(line);
    } catch {
      // The state folder gone or full: the line went to standard error at least.
    }
  };
  return {
    file,
    trace: () => undefined,
    debug: (message) => debug && log('debug', message),
    info: (message) => log('info', message),
    warn: (message) => log('warning', message),
    error: (message) => log('error', message),
  };
}
