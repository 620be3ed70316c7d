/** Totals of usage per session, job and day (the API's GET /usage, the status bar), as plain data. */
import type { SessionRecord, SessionStatus } from '../model/sessionRecord';
import { NO_TOKENS, TokenCounts, UsageSource } from '../model/usage';

export interface SessionUsageLine {
  name: string;
  job?: string;
  label?: string;
  status: SessionStatus;
  costUsd: number;
  costSource: UsageSource;
  tokens: TokenCounts;
  contextPercent?: number;
  budgetUsd?: number;
}

export interface UsageReport {
  /** The local day the report is for, YYYY-MM-DD. */
  today: string;
  todayUsd: number;
  dailyBudgetUsd?: number;
  totalUsd: number;
  tokens: TokenCounts;
  sessions: SessionUsageLine[];
  /** Per job: every run's cost, today's, and how many runs. */
  jobs: { slug: string; costUsd: number; todayUsd: number; runs: number }[];
  /** Per day, newest first, removed sessions included. */
  days: { day: string; costUsd: number; sessions: number }[];
}

/** What removed sessions cost, per day: in all and by job (see UsageLedger). */
export type RemovedCosts = Record<string, { costUsd: number; jobs: Record<string, number>; sessions: number }>;

const sum = (a: TokenCounts, b: TokenCounts): TokenCounts => ({ input: a.input + b.input, output: a.output + b.output, cacheRead: a.cacheRead + b.cacheRead, cacheCreation: a.cacheCreation + b.cacheCreation });

export function usageReport(records: readonly SessionRecord[], removed: RemovedCosts, today: string, dailyBudgetUsd?: number): UsageReport {
  const days = new Map<string, { costUsd: number; sessions: number }>();
  const jobs = new Map<string, { slug: string; costUsd: number; todayUsd: number; runs: number }>();
  const job = (slug: string) => jobs.get(slug) ?? jobs.set(slug, { slug, costUsd: 0, todayUsd: 0, runs: 0 }).get(slug)!;
  let tokens = { ...NO_TOKENS };
  let totalUsd = 0;
  const sessions: SessionUsageLine[] = [];
  for (const record of records) {
    if (record.jobSlug) job(record.jobSlug).runs += 1;
    const usage = record.usage;
    if (!usage) continue;
    sessions.push({
      name: record.name,
      job: record.jobSlug,
      label: record.batch,
      status: record.status,
      costUsd: usage.costUsd,
      costSource: usage.costSource,
      tokens: usage.tokens,
      contextPercent: usage.contextPercent,
      budgetUsd: record.budgetUsd,
    });
    tokens = sum(tokens, usage.tokens);
    totalUsd += usage.costUsd;
    for (const [day, cost] of Object.entries(usage.costByDay)) {
      const entry = days.get(day) ?? { costUsd: 0, sessions: 0 };
      entry.costUsd += cost;
      entry.sessions += 1;
      days.set(day, entry);
    }
    if (record.jobSlug) {
      const line = job(record.jobSlug);
      line.costUsd += usage.costUsd;
      line.todayUsd += usage.costByDay[today] ?? 0;
    }
  }
  for (const [day, entry] of Object.entries(removed)) {
    const line = days.get(day) ?? { costUsd: 0, sessions: 0 };
    line.costUsd += entry.costUsd;
    line.sessions += entry.sessions;
    days.set(day, line);
    totalUsd += entry.costUsd;
    for (const [slug, cost] of Object.entries(entry.jobs)) {
      const line = job(slug);
      line.costUsd += cost;
      if (day === today) line.todayUsd += cost;
    }
  }
  sessions.sort((a, b) => b.costUsd - a.costUsd || a.name.localeCompare(b.name));
  return {
    today,
    todayUsd: days.get(today)?.costUsd ?? 0,
    dailyBudgetUsd,
    totalUsd,
    tokens,
    sessions,
    jobs: [...jobs.values()].sort((a, b) => a.slug.localeCompare(b.slug)),
    days: [...days.entries()].map(([day, entry]) => ({ day, ...entry })).sort((a, b) => b.day.localeCompare(a.day)),
  };
}

/** What a job's runs cost on a day, removed ones included: for its daily budget. */
export function jobCostOn(records: readonly SessionRecord[], removed: RemovedCosts, slug: string, day: string): number {
  let total = removed[day]?.jobs[slug] ?? 0;
  for (const record of records) if (record.jobSlug === slug) total += record.usage?.costByDay[day] ?? 0;
  return total;
}
