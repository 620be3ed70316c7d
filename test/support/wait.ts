/** Waiting on states, with generous time-outs that only bound a failure. */
import type { SessionEngine } from '../../src/core/sessions/sessionEngine';
import type { SessionRecord, SessionStatus } from '../../src/core/model/sessionRecord';

export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value as T;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/**
 * Resolves when the session reaches `status`, through the engine's change events (no polling),
 * with how long it took from the call.
 */
export function waitForStatus(
  engine: SessionEngine,
  name: string,
  status: SessionStatus | ((record: SessionRecord) => boolean),
  timeoutMs = 60_000,
): Promise<{ record: SessionRecord; ms: number }> {
  const started = performance.now();
  const matches = typeof status === 'function' ? status : (record: SessionRecord) => record.status === status;
  return new Promise((resolve, reject) => {
    const check = (record: SessionRecord | undefined): boolean => {
      if (record && matches(record)) {
        cleanup();
        resolve({ record, ms: Math.round(performance.now() - started) });
        return true;
      }
      return false;
    };
    const timer = setTimeout(() => {
      cleanup();
      const record = engine.get(name);
      const said = `Timed out after ${timeoutMs} ms waiting for ${name} to be ${typeof status === 'string' ? status : 'as expected'}; it is ${record ? describe(record) : 'unknown'}`;
      // What the session shows says why, where a failure in CI can be read only from its log.
      void screenTail(engine, name).then((screen) => reject(new Error(`${said}${screen}`)));
    }, timeoutMs);
    const subscription = engine.onDidChange((change) => {
      for (const record of change.changed) if (record.name === name && check(record)) return;
    });
    const cleanup = () => {
      clearTimeout(timer);
      subscription.dispose();
    };
    check(engine.get(name));
  });
}

/**
 * `waitFor` on something a session does (a file it writes, a count it reaches): a time-out says
 * where the session is and what its screen shows, as `waitForStatus` does.
 */
export async function waitForSession<T>(engine: SessionEngine, name: string, what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  try {
    return await waitFor(what, probe, timeoutMs, 100);
  } catch (error) {
    const record = engine.get(name);
    throw new Error(`${(error as Error).message}; ${name} is ${record ? describe(record) : 'unknown'}${await screenTail(engine, name)}`, { cause: error });
  }
}

/** A record's state and its last signs of life, for a failure message. */
function describe(record: SessionRecord): string {
  const ago = (at: number | undefined) => (at === undefined ? 'never' : `${((Date.now() - at) / 1000).toFixed(1)} s ago`);
  return `${record.status} (${record.statusSignal}${record.statusDetail ? `: ${record.statusDetail}` : ''}); last event ${record.lastEvent ?? 'none'} ${ago(record.lastEventAt)}, last prompt ${ago(record.lastPromptAt)}, ${record.turns ?? 0} turns`;
}

/** The last lines of the session's screen, or nothing when it cannot be read within 2 s. */
async function screenTail(engine: SessionEngine, name: string): Promise<string> {
  const timeout = new Promise<string>((resolve) => setTimeout(() => resolve(''), 2000));
  const screen = engine.output(name, { lines: 15 }).then((text) => `\n  its screen ends:\n    ${text.trimEnd().split('\n').map((line) => line.trimEnd()).join('\n    ')}`, () => '');
  return Promise.race([screen, timeout]);
}
