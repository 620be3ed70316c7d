/**
 * Writes a file so that readers see the old content or the new, never a part: a temporary file
 * beside it (unique to this process and call), then a rename over the target.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

let sequence = 0;

export async function writeFileAtomic(file: string, data: string | Uint8Array, options: { mode?: number; makeDir?: boolean } = {}): Promise<void> {
  const mode = options.mode ?? 0o600;
  if (options.makeDir) await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  sequence += 1;
  const temporary = `${file}.${process.pid}.${sequence}.tmp`;
  try {
    await fs.writeFile(temporary, data, { mode });
    // The mode given to writeFile passes through the umask; the file gets exactly this one.
    await fs.chmod(temporary, mode);
    await fs.rename(temporary, file);
  } catch (error) {
    await fs.rm(temporary, { force: true }).catch(() => undefined);
    throw error;
  }
}
