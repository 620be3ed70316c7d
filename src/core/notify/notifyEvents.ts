/**
 * What is worth telling a person who is away from the editor, as pure functions: a session that
 * waits for them, one that failed, a budget that stopped a turn, a job's run that failed, a batch
 * whose sessions all finished. Never a running/idle flicker. Each event has an id that is the same
 * whichever engine computes it (the session's id, the kind, since when it is so), so that it is
 * sent at most once whoever leads, and a receiver can tell a repeat by it.
 */
import type { NotifyKind } from '../model/notifyKind';
import type { SessionRecord, SessionStatus } from '../model/sessionRecord';
import { batchSummary, endsWork } from '../presentation/batchSummary';
import { waitingAsk } from '../presentation/sessionPresentation';


export interface NotifyEvent {
  /** The same for the same happening on every engine: `<session id>:<kind>:<since>`, `batch:<id>`. */
  id: string;
  kind: NotifyKind | 'test' | 'held-back';
  /** When it happened (ms). */
  at: number;
  /** The session it is about (a batch: none). */
  session?: string;
  /** Its state then. */
  state?: SessionStatus;
  /** The state's detail ("permission: Bash", "exit status 1", the budget's words). */
  detail?: string;
  /** A line that says it all, for a phone's lock screen. */
  title: string;
  /** More: what it asks (only with the text allowed), the batch's counts. */
  message: string;
  /** The job whose run it is. */
  job?: string;
  /** The label (batch) of its session, or of the batch that finished. */
  label?: string;
  /** Whether a person must act (a wait), for the channels' priority. */
  urgent: boolean;
}

/** Sessions whose status left `previous` for `record.status`: the event to tell, if any. `members`: the batch's sessions, for its end. */
export function eventFor(record: SessionRecord, previous: SessionStatus | undefined, members: readonly SessionRecord[] = [], includeText = false): NotifyEvent | undefined {
  if (previous === record.status) return undefined;
  const base = { at: record.statusSince, session: record.name, state: record.status, detail: record.statusDetail, job: record.jobSlug, label: record.batch };
  if (record.status === 'waiting') {
    // What it asks may hold a command line or a file's path: told only where the user allowed the text.
    const asks = includeText ? waitingAsk(record) : undefined;
    return {
      ...base,
      id: `${record.id}:waiting:${record.statusSince}`,
      kind: 'waiting',
      title: `${record.name} is waiting for you`,
      message: `${record.statusDetail ?? 'a dialog'}${asks ? `: ${asks}` : ''}`,
      urgent: true,
    };
  }
  if (record.status === 'error' || record.status === 'lost') {
    const kind: NotifyKind = record.budgetExceeded ? 'budget' : record.jobSlug ? 'job-failed' : 'error';
    const title =
      kind === 'budget' ? `${record.name} was stopped by its budget` : kind === 'job-failed' ? `A run of job ${record.jobSlug} failed: ${record.name}` : `${record.name}: ${record.status}`;
    return { ...base, id: `${record.id}:${kind}:${record.statusSince}`, kind, title, message: record.budgetExceeded ?? record.statusDetail ?? record.status, urgent: false };
  }
  if (record.batch && endsWork(previous, record.status)) {
    const summary = batchSummary(members);
    if (summary) {
      return { id: `batch:${record.batch}`, kind: 'batch-done', label: record.batch, at: record.statusSince, title: summary.failed ? 'A batch finished, with failures' : 'A batch finished', message: summary.text, urgent: false };
    }
  }
  return undefined;
}

/** The events that stand now for sessions as they are (a leader that takes over tells what it finds unsent), newer than `since`. */
export function standingEvents(records: readonly SessionRecord[], since: number, includeText = false): NotifyEvent[] {
  const events: NotifyEvent[] = [];
  for (const record of records) {
    if (record.statusSince < since || (record.status !== 'waiting' && record.status !== 'error' && record.status !== 'lost')) continue;
    const event = eventFor(record, undefined, [], includeText);
    if (event) events.push(event);
  }
  return events;
}

/** What a person chose to be told: the kinds, and which sessions (`only`); a job's own choice of kinds for its runs. */
export interface NotifyChoice {
  kinds: readonly NotifyKind[];
  /** `label:<label>`, `job:<slug>` or a session name (`*` matches any characters); none: every session. */
  only: readonly string[];
}

/**
 * Whether `event` is told: a job's run by the job's own choice where it made one (`jobKinds`,
 * whatever `only` says), anything else when its kind is chosen and it is about a session `only`
 * names (a batch: by its label). A test and a summary of held-back events always go.
 */
export function isWanted(event: NotifyEvent, choice: NotifyChoice, jobKinds?: readonly NotifyKind[]): boolean {
  if (event.kind === 'test' || event.kind === 'held-back') return true;
  if (event.job !== undefined && jobKinds !== undefined) return jobKinds.includes(event.kind);
  return choice.kinds.includes(event.kind) && (choice.only.length === 0 || choice.only.some((pattern) => matchesPattern(event, pattern)));
}

function matchesPattern(event: NotifyEvent, pattern: string): boolean {
  if (pattern.startsWith('label:')) return event.label === pattern.slice('label:'.length);
  if (pattern.startsWith('job:')) return event.job === pattern.slice('job:'.length);
  if (event.session === undefined) return false;
  const glob = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return glob.test(event.session);
}

/** One event that stands for several held back by a rate limit: their count by kind and the sessions named. */
export function heldBackEvent(held: readonly NotifyEvent[], at: number): NotifyEvent {
  const counts = new Map<string, number>();
  for (const event of held) counts.set(event.kind, (counts.get(event.kind) ?? 0) + 1);
  const sessions = [...new Set(held.map((event) => event.session).filter((name): name is string => name !== undefined))];
  const named = sessions.length <= 5 ? sessions.join(', ') : `${sessions.slice(0, 5).join(', ')} and ${sessions.length - 5} more`;
  return {
    id: `held:${held[0]?.id ?? 'none'}:${held.length}`,
    kind: 'held-back',
    at,
    title: `${held.length} more event${held.length === 1 ? '' : 's'} held back`,
    message: `${[...counts].map(([kind, count]) => `${count} ${kind}`).join(', ')}${named ? ` (${named})` : ''}`,
    urgent: held.some((event) => event.urgent),
  };
}
