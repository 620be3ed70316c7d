/** What a notification says when a session changes state, at each level of `instar.notifications`. */
import type { SessionRecord, SessionStatus } from '../model/sessionRecord';
import { waitingAsk } from './sessionPresentation';

/** 'all': every turn's end and every end; 'waiting': only what needs the user. */
export type NotifiedChanges = 'all' | 'waiting';

/** The text for a session that went from `previous` to its status, or undefined when nothing is told at this level. */
export function notificationText(record: SessionRecord, previous: SessionStatus | undefined, level: NotifiedChanges): string | undefined {
  const detail = record.statusDetail ? ` (${record.statusDetail})` : '';
  if (record.status === 'waiting') {
    // What it asks, before the person opens it: the command, the file, the question.
    const asks = waitingAsk(record);
    return `${record.name} is waiting for you${detail}${asks ? `: ${asks}` : '.'}`;
  }
  if (level !== 'all') return undefined;
  if (record.status === 'idle' && previous === 'running') return `${record.name} finished its turn and is idle.`;
  if (record.status === 'completed') return `${record.name} completed.`;
  if (record.status === 'error' || record.status === 'lost') return `${record.name}: ${record.status}${detail}.`;
  return undefined;
}
