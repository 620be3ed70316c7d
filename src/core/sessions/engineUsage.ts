/**
 * The engine's usage side, as hosts see it (`engine.usage`): totals per session, job and day,
 * what a job's runs cost today, a session's budget, and the workspace's daily budget that keeps
 * new sessions from starting once it is spent.
 */
import type { SessionRecord } from '../model/sessionRecord';
import { dayOf, formatUsd } from '../model/usage';
import { validateBudget } from '../usage/budgets';
import { jobCostOn, UsageReport, usageReport } from '../usage/usageReport';
import { InstarError } from '../util/errors';
import type { Clock, Logger } from '../util/host';
import type { SessionStore } from './sessionStore';
import type { UsageLedger } from './usageLedger';
import type { UsageTracker } from './usageTracker';

export interface EngineUsageParts {
  store: SessionStore;
  tracker: UsageTracker;
  ledger: UsageLedger;
  dailyBudgetUsd: () => number | undefined;
  clock: Clock;
  logger: Logger;
}

export class EngineUsage {
  constructor(private readonly parts: EngineUsageParts) {}

  /** Totals of usage per session, job and day; `today` is the local day of now. */
  report(): UsageReport {
    const { store, ledger, clock, dailyBudgetUsd } = this.parts;
    return usageReport(store.list(), ledger.days(), dayOf(clock.now()), dailyBudgetUsd());
  }

  /** Resolves once no usage read is under way: what the start found new has been read (tests, benchmarks). */
  read(): Promise<void> {
    return this.parts.tracker.idle();
  }

  /** What a job's runs have cost today (removed runs included), for its daily budget. */
  jobCostToday(slug: string): number {
    const { store, ledger, clock } = this.parts;
    return jobCostOn(store.all(), ledger.days(), slug, dayOf(clock.now()));
  }

  /** Sets (or with undefined, lifts) a session's budget in USD; one already spent stops it. */
  async setBudget(name: string, budgetUsd: number | undefined): Promise<SessionRecord> {
    const { store, tracker, logger } = this.parts;
    const record = store.require(name);
    const limit = validateBudget(budgetUsd);
    const next = store.update(name, record.id, (current) => ({ ...current, budgetUsd: limit, budgetWarned: undefined }));
    if (next) await store.commit([next]);
    tracker.update(record.id);
    logger.info(limit === undefined ? `${name}: no budget` : `${name}: budget ${formatUsd(limit)}`);
    return store.get(name) ?? record;
  }

  /** Throws when the workspace's daily budget is spent: no session starts until it is raised or the day ends. */
  checkMayStart(): void {
    const daily = this.parts.dailyBudgetUsd();
    if (daily === undefined) return;
    const spent = this.parts.tracker.costOn(dayOf(this.parts.clock.now()));
    if (spent >= daily) {
      throw new InstarError('over-budget', `The daily budget of ${formatUsd(daily)} is spent (${formatUsd(spent)} today): no session starts until tomorrow, unless the budget (instar.budget.dailyUsd) is raised.`);
    }
  }
}
