/**
 * What happened while no window looked (the keeper kept the work): job runs started, sessions
 * ended, errors among them and what those sessions cost, in one line for a notification and as a
 * Markdown list of each run and ending with its result.
 */
import { endSummary, isEnded, SessionRecord } from '../model/sessionRecord';
import { formatUsd } from '../model/usage';

export interface AwaySummary {
  /** "While you were away: 14 job runs, 3 sessions ended, 1 error, $0.84". */
  text: string;
  markdown: string;
}

const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;

/** The summary of what happened after `since` (undefined: nothing did). */
export function awaySummary(records: readonly SessionRecord[], since: number, now: number): AwaySummary | undefined {
  const runs = records.filter((record) => record.jobSlug !== undefined && record.createdAt > since);
  const ended = records.filter((record) => isEnded(record) && (record.endedAt ?? 0) > since);
  const spawned = records.filter((record) => record.jobSlug === undefined && record.createdAt > since);
  if (runs.length + ended.length + spawned.length === 0) return undefined;
  const failed = ended.filter((record) => record.status === 'error' || record.status === 'lost');
  const involved = new Set([...runs, ...ended, ...spawned]);
  const cost = [...involved].reduce((sum, record) => sum + (record.usage?.costUsd ?? 0), 0);
  const parts = [
    runs.length > 0 ? plural(runs.length, 'job run', 'job runs') : '',
    spawned.length > 0 ? plural(spawned.length, 'session started', 'sessions started') : '',
    ended.length > 0 ? plural(ended.length, 'session ended', 'sessions ended') : '',
    failed.length > 0 ? plural(failed.length, 'error', 'errors') : '',
    cost > 0 ? formatUsd(cost) : '',
  ].filter(Boolean);
  const time = (at: number) => new Date(at).toLocaleString();
  const line = (record: SessionRecord) => {
    const how = isEnded(record) ? `ended ${time(record.endedAt ?? now)}: ${endSummary(record)}${record.statusDetail ? ` (${record.statusDetail})` : ''}` : `${record.status} now`;
    const cost = record.usage ? `, ${formatUsd(record.usage.costUsd)}` : '';
    const answer = record.lastAnswer ? `\n  > ${record.lastAnswer.split('\n')[0].slice(0, 200)}` : '';
    return `- **${record.name}**${record.jobSlug ? ` (job ${record.jobSlug})` : ''}, started ${time(record.createdAt)}, ${how}${cost}${answer}`;
  };
  const sorted = [...involved].sort((a, b) => a.createdAt - b.createdAt);
  const markdown = [`# While you were away`, '', `From ${time(since)} to ${time(now)}: ${parts.join(', ')}.`, '', ...sorted.map(line), ''].join('\n');
  return { text: `While you were away: ${parts.join(', ')}`, markdown };
}
