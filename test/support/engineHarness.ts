/** An engine on a private tmux server with its own state folder, for one test file. */
import { appendFileSync, existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { MemoryStorage } from './storage';
import { EngineOptions, SessionEngine } from '../../src/core/sessions/sessionEngine';
import type { Logger } from '../../src/core/util/host';
import { cleanupSocket, privateSocket } from './tmuxServer';

/** The project's folder: the nearest above this bundle with a package.json (out/test/… for tests, out/bench for the benchmark). */
export const REPO = (() => {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
})();
export const RECORDER_AGENT = join(REPO, 'test', 'fixtures', 'recorder-agent.cjs');

export interface Harness {
  engine: SessionEngine;
  socket: string;
  root: string;
  stateDir: string;
  storage: MemoryStorage;
  /** Disposes the engine and starts a new one on the same storage and state, as a reload does. */
  restart(overrides?: Partial<EngineOptions>): Promise<SessionEngine>;
  dispose(): Promise<void>;
}

/**
 * With INSTAR_TEST_TRACE=<file>, the engine's log at every level (each tmux call included),
 * appended to that file with times: what a flaky run did, read after it failed.
 */
function traceLogger(label: string): Logger | undefined {
  const file = process.env.INSTAR_TEST_TRACE;
  if (!file) return undefined;
  const at = (level: string) => (message: string | Error, ...args: unknown[]) =>
    appendFileSync(file, `${new Date().toISOString()} ${label} ${level} ${String(message)}${args.map((arg) => ` ${JSON.stringify(arg)}`).join('')}\n`);
  return { trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export async function startHarness(label: string, overrides: Partial<EngineOptions> = {}): Promise<Harness> {
  const root = await mkdtemp(join(tmpdir(), `instar-${label}-`));
  const socket = privateSocket(label);
  const stateDir = join(root, 'state');
  const storage = new MemoryStorage();
  const logger = traceLogger(label);
  const options = (extra: Partial<EngineOptions> = {}): EngineOptions => ({ stateDir, storage, socket, monitorIntervalMs: 250, ...(logger ? { logger } : {}), ...overrides, ...extra });
  const harness: Harness = {
    engine: await SessionEngine.create(options()),
    socket,
    root,
    stateDir,
    storage,
    async restart(extra = {}) {
      harness.engine.dispose();
      harness.engine = await SessionEngine.create(options(extra));
      return harness.engine;
    },
    async dispose() {
      harness.engine.dispose();
      cleanupSocket(socket);
      await rm(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    },
  };
  return harness;
}
