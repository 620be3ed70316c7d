/**
 * What removed sessions had cost, by day and job: a session's record goes with it, but a day's
 * total and a job's daily budget must not shrink when its sessions are cleared away. Kept in the
 * engine's storage beside the registry, for 120 days.
 */
import { dayOf } from '../model/usage';
import type { SessionRecord } from '../model/sessionRecord';
import type { Storage } from '../util/host';

export const LEDGER_KEY = 'instar.usageLedger.v1';
const KEEP_DAYS = 120;

export interface LedgerDay {
  costUsd: number;
  /** By job slug. */
  jobs: Record<string, number>;
  /** How many removed sessions it counts. */
  sessions: number;
}

export type Ledger = Record<string, LedgerDay>;

export class UsageLedger {
  constructor(private readonly storage: Storage) {}

  days(): Ledger {
    return this.storage.get<Ledger>(LEDGER_KEY) ?? {};
  }

  costOn(day: string, job?: string): number {
    const entry = this.days()[day];
    if (!entry) return 0;
    return job === undefined ? entry.costUsd : (entry.jobs[job] ?? 0);
  }

  /** Keeps what a session being removed cost on each day. */
  async keep(record: SessionRecord, now: number): Promise<void> {
    const byDay = record.usage?.costByDay ?? {};
    if (Object.keys(byDay).length === 0) return;
    const ledger = { ...this.days() };
    for (const [day, cost] of Object.entries(byDay)) {
      const entry: LedgerDay = { ...(ledger[day] ?? { costUsd: 0, jobs: {}, sessions: 0 }) };
      entry.jobs = { ...entry.jobs };
      entry.costUsd += cost;
      entry.sessions += 1;
      if (record.jobSlug) entry.jobs[record.jobSlug] = (entry.jobs[record.jobSlug] ?? 0) + cost;
      ledger[day] = entry;
    }
    const oldest = dayOf(now - KEEP_DAYS * 24 * 3600_000);
    for (const day of Object.keys(ledger)) if (day < oldest) delete ledger[day];
    await this.storage.update(LEDGER_KEY, ledger);
  }
}
