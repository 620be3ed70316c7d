/** A scheduled job, as `.instar/jobs.json` defines it, and what the scheduler knows of it. */
import type { NotifyKind } from './notifyKind';
import type { AgentKind, SessionStatus } from './sessionRecord';

export interface JobDefinition {
  slug: string;
  name: string;
  /** A 5-field cron expression. */
  schedule: string;
  /** The prompt; a `skill` entry becomes the prompt "/<skill>". */
  prompt: string;
  /** The agent CLI its runs start (default: the workspace's). */
  agent?: AgentKind;
  model?: string;
  enabled: boolean;
  /** Respawn when the session ends, backing off after repeated errors. */
  keepAlive: boolean;
  /** A run ends this long after its turn when it stays idle (0: never). */
  endWhenIdleMs: number;
  /** The most one run may cost, in USD. */
  budgetUsd?: number;
  /** The most the job's runs may cost in a day, in USD: a firing once it is spent does not run. */
  dailyBudgetUsd?: number;
  /** Each run in a git worktree of its own: true (a new branch per run), or the base to branch from. */
  worktree?: boolean | { base: string };
  /** What its runs are told by away from the editor, in place of instar.notify.events and .only ([]: nothing). */
  notify?: readonly NotifyKind[];
}

/** One run of a job, newest first in JobState.runs. */
export interface JobRun {
  session: string;
  at: number;
  /** Its state, its final one once it ended. */
  result: SessionStatus;
}

export interface JobState {
  definition: JobDefinition;
  /** The workspace folder whose `.instar/jobs.json` has it: its runs start there. */
  folder: string;
  /** Enabled in the file and not disabled from the UI. */
  enabled: boolean;
  nextRunAt?: number;
  lastRunAt?: number;
  lastSession?: string;
  /** The last session's state (its final one once it ended), or why a firing did nothing. */
  lastResult?: SessionStatus | 'skipped' | 'failed to spawn' | 'over budget';
  /** Consecutive ended-in-error runs, for keepAlive back-off. */
  failures: number;
  /** When a keepAlive respawn is due. */
  respawnAt?: number;
  /** The last runs, newest first (at most JOB_RUNS_KEPT). */
  runs: JobRun[];
}
