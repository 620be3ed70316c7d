/**
 * Waits, not polling: GET /sessions/:name/wait and GET /labels/:label/wait answer as soon as the
 * session (or the sessions of a label) reaches one of the asked states. They listen to the
 * engine's change event, the same one the tree listens to: a thousand waits cost no tmux call.
 */
import { isEnded, SESSION_STATUSES, SessionRecord } from '../model/sessionRecord';
import type { SessionEngine } from '../sessions/sessionEngine';
import { toApiSession, withDialog } from './apiSession';
import { describeValue, HttpError } from './httpRequest';

/** The states a wait can ask for: every status, and "ended" for any end (completed, error, killed, lost). */
export const WAIT_STATES = [...SESSION_STATUSES, 'ended'] as const;
export type WaitState = (typeof WAIT_STATES)[number];
/** A turn is over: the session is idle, asks something, or ended. */
export const DEFAULT_WAIT_STATES: readonly WaitState[] = ['idle', 'waiting', 'ended'];
export const DEFAULT_WAIT_SECONDS = 300;
export const MAX_WAIT_SECONDS = 3600;

/** The query parameters a wait reads. */
export const WAIT_QUERY = ['until', 'timeout', 'since', 'mode'];

export interface WaitQuery {
  until: ReadonlySet<WaitState>;
  timeoutMs: number;
  /** Only a state entered at or after this (epoch ms) counts: a wait after input is not answered by the idle before it. */
  since: number | undefined;
  /** A label's wait: every session (all) or the first (any). */
  mode: 'all' | 'any';
}

export function parseWaitQuery(query: URLSearchParams): WaitQuery {
  const untilText = query.get('until');
  const until = new Set<WaitState>();
  for (const part of untilText === null ? DEFAULT_WAIT_STATES : untilText.split(',')) {
    const state = part.trim();
    if (!(WAIT_STATES as readonly string[]).includes(state)) {
      throw new HttpError(400, `"until" takes states separated by commas, each one of ${WAIT_STATES.join(', ')}; got ${describeValue(state)}.`);
    }
    until.add(state as WaitState);
  }
  const timeoutText = query.get('timeout');
  const seconds = timeoutText === null ? DEFAULT_WAIT_SECONDS : Number(timeoutText);
  if (!Number.isFinite(seconds) || seconds < 0 || seconds > MAX_WAIT_SECONDS || (timeoutText !== null && timeoutText.trim() === '')) {
    throw new HttpError(400, `"timeout" is in seconds, from 0 to ${MAX_WAIT_SECONDS} (${DEFAULT_WAIT_SECONDS} when absent); got ${describeValue(timeoutText)}.`);
  }
  const mode = query.get('mode') ?? 'all';
  if (mode !== 'all' && mode !== 'any') throw new HttpError(400, `"mode" is "all" (every session of the label) or "any" (the first); got ${describeValue(mode)}.`);
  return { until, timeoutMs: seconds * 1000, since: parseSince(query.get('since')), mode };
}

/** An ISO date or epoch milliseconds. */
function parseSince(text: string | null): number | undefined {
  if (text === null) return undefined;
  const at = /^\d+(\.\d+)?$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(at)) throw new HttpError(400, `"since" is a time, as an ISO date (2026-11-29T12:00:00Z) or epoch milliseconds; got ${describeValue(text)}.`);
  return at;
}

/** The state of `until` the record is in (entered at or after `since`), or undefined. */
export function reachedState(record: SessionRecord, wait: Pick<WaitQuery, 'until' | 'since'>): WaitState | undefined {
  if (wait.until.has('ended') && isEnded(record) && (wait.since === undefined || record.endedAt! >= wait.since)) return 'ended';
  if (!wait.until.has(record.status)) return undefined;
  return wait.since === undefined || record.statusSince >= wait.since ? record.status : undefined;
}

/** The words of a time-out: "did not reach idle or ended within 30 s". */
export function notReached(wait: WaitQuery): string {
  const states = [...wait.until];
  return `did not reach ${states.length > 1 ? `${states.slice(0, -1).join(', ')} or ${states[states.length - 1]}` : states[0]}${wait.since === undefined ? '' : ` since ${new Date(wait.since).toISOString()}`} within ${wait.timeoutMs / 1000} s`;
}

/** GET /sessions/:name/wait: the session once it reaches a state of the wait; 408 with it at the time-out. */
export async function waitForSession(engine: SessionEngine, name: string, wait: WaitQuery, signal: AbortSignal): Promise<[number, unknown]> {
  engine.require(name);
  const record = await engine.waitFor(name, (current) => current === undefined || reachedState(current, wait) !== undefined, wait.timeoutMs, signal);
  if (signal.aborted) return [499, { error: 'The client went away.' }];
  if (record === undefined) {
    const current = engine.get(name);
    if (!current) throw new HttpError(404, `Session "${name}" was removed while waiting.`);
    return [408, { error: `Session "${name}" ${notReached(wait)}; it is ${current.status}.`, session: toApiSession(current) }];
  }
  return [200, { reached: reachedState(record, wait), session: await withDialog(engine, record) }];
}

/** GET /labels/:label/wait: answers when every session of the label (or, with mode=any, one) reaches a state of the wait. */
export async function waitForLabel(engine: SessionEngine, label: string, wait: WaitQuery, signal: AbortSignal): Promise<[number, unknown]> {
  const members = () => engine.list().filter((record) => record.batch === label);
  if (members().length === 0) throw new HttpError(404, `No session has the label "${label}".`);
  const done = () => {
    const records = members();
    const reached = records.filter((record) => reachedState(record, wait) !== undefined);
    return wait.mode === 'any' ? reached.length > 0 : reached.length === records.length;
  };
  const answer = () => members().map((record) => ({ reached: reachedState(record, wait) ?? null, session: toApiSession(record) }));
  const finished = await engine.waitUntil(() => (done() ? true : undefined), wait.timeoutMs, signal);
  if (signal.aborted) return [499, { error: 'The client went away.' }];
  if (!finished) return [408, { error: `The sessions labelled "${label}" ${notReached(wait)} (${wait.mode === 'all' ? 'all of them' : 'any of them'}).`, label, sessions: answer() }];
  return [200, { label, sessions: answer() }];
}
