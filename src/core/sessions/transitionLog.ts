/**
 * The log's account of what sessions do: turns finished, waits for the user, exits and
 * completions at info; every other change of state at debug. Kills, removals, spawns and
 * resumes are logged where they are done.
 */
import { endSummary, isEnded, type SessionRecord, type SessionStatus } from '../model/sessionRecord';
import type { Logger } from '../util/host';
import type { SessionsChange } from './sessionStore';

/** Logs the changes `onDidChange` tells, from the records known now. */
export function logTransitions(known: readonly SessionRecord[], onDidChange: (listener: (change: SessionsChange) => void) => unknown, logger: Logger): void {
  const last = new Map<string, { id: string; status: SessionStatus }>(known.map((record) => [record.name, { id: record.id, status: record.status }]));
  onDidChange((change) => {
    for (const record of change.changed) {
      const before = last.get(record.name);
      last.set(record.name, { id: record.id, status: record.status });
      const previous = before?.id === record.id ? before.status : undefined;
      if (previous === record.status || previous === undefined) continue;
      const detail = record.statusDetail ? ` (${record.statusDetail})` : '';
      if (isEnded(record)) {
        if (record.status !== 'killed') logger.info(`${record.name} ended: ${endSummary(record)}${detail}`);
      } else if (record.status === 'waiting') logger.info(`${record.name} is waiting for you${detail}`);
      else if (record.status === 'idle' && previous === 'running') logger.info(`${record.name} finished its turn`);
      else logger.debug(`${record.name}: ${previous} → ${record.status}${detail} (from the ${record.statusSignal})`);
    }
    for (const name of change.removed) last.delete(name);
  });
}
