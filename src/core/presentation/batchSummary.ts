/**
 * Sessions spawned together (a batch) are told as one: once none of them is at work, one line
 * with the counts ("3 sessions spawned together finished their turns (a-1, a-2, a-3): 2 idle,
 * 1 error."). Pure: the notifications on the VS Code side show it.
 */
import { countByStatus, type SessionRecord, type SessionStatus } from '../model/sessionRecord';

/** A batch is at work while one of its sessions is. */
export const AT_WORK: ReadonlySet<SessionStatus> = new Set(['starting', 'running']);

/** The order the counts are told in, with their words. */
const TOLD: readonly [SessionStatus, string][] = [
  ['idle', 'idle'],
  ['waiting', 'waiting for you'],
  ['completed', 'completed'],
  ['error', 'error'],
  ['lost', 'lost'],
  ['killed', 'killed'],
];

/** Whether this change of a member ends its work (a wait for the user is told on its own). */
export function endsWork(previous: SessionStatus | undefined, status: SessionStatus): boolean {
  return previous !== undefined && AT_WORK.has(previous) && !AT_WORK.has(status) && status !== 'waiting';
}

/** The batch's line once none of its members is at work; undefined while one is. */
export function batchSummary(members: readonly SessionRecord[]): { text: string; failed: boolean } | undefined {
  if (members.length === 0 || members.some((record) => AT_WORK.has(record.status))) return undefined;
  const counts = countByStatus(members);
  const parts = TOLD.filter(([status]) => counts[status] > 0).map(([status, words]) => `${counts[status]} ${words}`);
  // By name, digits as numbers (a-2 before a-10): spawned together, they may start in any order.
  const names = members.map((record) => record.name).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const shown = names.length <= 4 ? names.join(', ') : `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`;
  const sessions = members.length === 1 ? '1 session spawned with others finished its turn' : `${members.length} sessions spawned together finished their turns`;
  return { text: `${sessions} (${shown}): ${parts.join(', ')}.`, failed: counts.error + counts.lost > 0 };
}
