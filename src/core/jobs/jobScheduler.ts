/**
 * Scheduled jobs: each firing spawns `job-<slug>-<YYYYMMDD-HHMM>` (local time, as cron reads
 * schedules), ending by itself once idle after its answer (the job's endWhenIdleSeconds), so the
 * next firing runs too; a firing is skipped only while the previous run still works (starting,
 * running, waiting). keepAlive jobs respawn when their session ends: at once after a success,
 * after 30 s, 1 min, 2 min… (at most 10 min) after consecutive errors. A run missed while the
 * host was closed runs once at start, when asked.
 *
 * Time comes from an injectable clock and all work happens in `tick()`, which a timer calls at
 * the next due moment (and engine changes call at once), so tests drive it step by step.
 */
import type { Clock, Logger, Storage } from '../util/host';
import type { SessionEngine } from '../sessions/sessionEngine';
import type { JobState } from '../model/job';
import { firstFreeName } from '../model/sessionName';
import { isEnded, isWorking, SessionRecord } from '../model/sessionRecord';
import { formatUsd } from '../model/usage';
import { Disposable, Emitter } from '../util/emitter';
import { nextRun, parseJobs } from './jobsFile';

export const JOBS_STATE_KEY = 'instar.jobs.v1';
const FIRST_BACKOFF_MS = 30_000;
const MAX_BACKOFF_MS = 10 * 60_000;
const MAX_TIMER_MS = 60_000;
/** How many runs of a job the Jobs group shows. */
export const JOB_RUNS_KEPT = 5;

interface StoredJobs {
  lastRunAt: Record<string, number>;
  disabled: string[];
}

export interface JobSchedulerOptions {
  cwd: string;
  storage: Storage;
  clock: Clock;
  logger: Logger;
  /** Run once at start a job whose run was missed while nothing ran. */
  runMissed: boolean;
}

export class JobScheduler {
  private readonly emitter = new Emitter<void>();
  /** Fires when jobs, their state or the problems change. */
  readonly onDidChange = this.emitter.event;
  private states = new Map<string, JobState>();
  /** Each folder's jobs.json text, as last loaded. */
  private readonly sources = new Map<string, string | undefined>();
  private problemList: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly subscription: Disposable;
  private started = false;
  private ticking: Promise<void> | undefined;

  constructor(
    private readonly engine: SessionEngine,
    private readonly options: JobSchedulerOptions,
  ) {
    this.subscription = engine.onDidChange((change) => {
      if (change.changed.some((record) => record.jobSlug && this.states.has(record.jobSlug))) void this.tick();
    });
  }

  get problems(): readonly string[] {
    return this.problemList;
  }

  list(): JobState[] {
    return [...this.states.values()];
  }

  get(slug: string): JobState | undefined {
    return this.states.get(slug);
  }

  /** Replaces the jobs of the first folder (options.cwd) with those of a jobs.json text; returns the problems found. */
  load(text: string | undefined): string[] {
    return this.loadFolder(this.options.cwd, text);
  }

  /**
   * Replaces the jobs of one workspace folder with those of its jobs.json text (undefined: it has
   * none); returns the problems found. A multi-root workspace's folders each have theirs; a slug
   * is the workspace's (its runs, its state), so a slug another folder has already is refused there.
   */
  loadFolder(folder: string, text: string | undefined): string[] {
    this.sources.set(folder, text);
    // The first folder first, then the others in the order they came.
    const folders = [...new Set([this.options.cwd, ...this.sources.keys()])].filter((candidate) => this.sources.has(candidate));
    const stored = this.stored();
    const now = this.options.clock.now();
    const next = new Map<string, JobState>();
    const problems: string[] = [];
    for (const source of folders) {
      const parsed = this.sources.get(source) === undefined ? { jobs: [], problems: [] } : parseJobs(this.sources.get(source)!);
      const where = source === this.options.cwd ? '' : `${source}: `;
      problems.push(...parsed.problems.map((problem) => `${where}${problem}`));
      for (const definition of parsed.jobs) {
        const holder = next.get(definition.slug);
        if (holder) {
          problems.push(`${where}slug "${definition.slug}" is already a job of ${holder.folder}/.instar/jobs.json: slugs are the workspace's, give this one another`);
          continue;
        }
        next.set(definition.slug, this.stateOf(definition, source, stored, now));
      }
    }
    const changed = problems.join('\n') !== this.problemList.join('\n');
    this.states = next;
    this.problemList = problems;
    if (changed) for (const problem of problems) this.options.logger.warn(`jobs.json: ${problem}`);
    this.emitter.fire();
    this.schedule();
    return problems;
  }

  private stateOf(definition: JobState['definition'], folder: string, stored: StoredJobs, now: number): JobState {
    const previous = this.states.get(definition.slug);
    return {
      ...previous,
      definition,
      folder,
      enabled: definition.enabled && !stored.disabled.includes(definition.slug),
      lastRunAt: previous?.lastRunAt ?? stored.lastRunAt[definition.slug],
      failures: previous?.failures ?? 0,
      runs: previous?.runs ?? [],
      nextRunAt: nextRun(definition.schedule, now),
    };
  }

  /** Starts the timer; with runMissed, runs once each enabled job whose run was missed. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    if (this.options.runMissed) {
      const now = this.options.clock.now();
      for (const state of this.states.values()) {
        // This window's stored time, or a later run another window made (its session is known to every window).
        const lastRunAt = Math.max(state.lastRunAt ?? -Infinity, this.latestRun(state));
        if (!state.enabled || lastRunAt === -Infinity) continue;
        const due = nextRun(state.definition.schedule, lastRunAt);
        if (due !== undefined && due <= now) await this.fire(state, 'missed run');
      }
    }
    await this.tick();
    this.emitter.fire(); // the jobs now run here
  }

  /** Runs a job now, whatever its schedule. */
  async runNow(slug: string): Promise<SessionRecord | undefined> {
    const state = this.states.get(slug);
    if (!state) throw new Error(`There is no job "${slug}" in .instar/jobs.json.`);
    return this.fire(state, 'run now');
  }

  async setEnabled(slug: string, enabled: boolean): Promise<void> {
    const state = this.states.get(slug);
    if (!state) throw new Error(`There is no job "${slug}" in .instar/jobs.json.`);
    const stored = this.stored();
    stored.disabled = stored.disabled.filter((other) => other !== slug);
    if (!enabled) stored.disabled.push(slug);
    await this.options.storage.update(JOBS_STATE_KEY, stored);
    state.enabled = enabled && state.definition.enabled;
    this.emitter.fire();
    this.schedule();
  }

  /** Takes the jobs' state another host stored (a job disabled or enabled in another window). */
  refreshStored(): void {
    const stored = this.stored();
    let changed = false;
    for (const state of this.states.values()) {
      const enabled = state.definition.enabled && !stored.disabled.includes(state.definition.slug);
      if (enabled === state.enabled) continue;
      state.enabled = enabled;
      changed = true;
    }
    if (!changed) return;
    this.emitter.fire();
    this.schedule();
  }

  /** Stops running the jobs here (the lead went elsewhere): they are only shown until the next start. */
  stop(): void {
    if (!this.started) return;
    this.started = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.emitter.fire();
  }

  /** Whether the jobs run here (after start): before, they are only shown. */
  get isRunning(): boolean {
    return this.started;
  }

  /** Does what is due now: scheduled firings, keepAlive respawns, results of ended runs. Nothing before start. */
  tick(): Promise<void> {
    if (!this.started) return Promise.resolve();
    this.ticking ??= this.tickOnce().finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  private async tickOnce(): Promise<void> {
    const now = this.options.clock.now();
    let changed = false;
    for (const state of this.states.values()) {
      changed = this.noteResult(state, now) || changed;
      if (!state.enabled) continue;
      if (state.respawnAt !== undefined && state.respawnAt <= now && !this.liveSession(state)) {
        state.respawnAt = undefined;
        await this.fire(state, 'keepAlive');
        changed = true;
      }
      if (state.nextRunAt !== undefined && state.nextRunAt <= now) {
        const due = state.nextRunAt;
        state.nextRunAt = nextRun(state.definition.schedule, now);
        // Fired already by the engine that led before this one (a hand-over at the firing's moment).
        if (this.latestRun(state) >= due) this.options.logger.info(`Job ${state.definition.slug}: the firing of ${stamp(due)} already ran in another window`);
        else await this.fire(state, 'schedule', due);
        changed = true;
      }
    }
    if (changed) this.emitter.fire();
    this.schedule();
  }

  /** Records how the last run ended; for keepAlive, when to respawn. */
  private noteResult(state: JobState, now: number): boolean {
    const record = state.lastSession ? this.engine.get(state.lastSession) : undefined;
    if (!record || record.jobSlug !== state.definition.slug) return false;
    if (state.lastResult === record.status) return false;
    state.lastResult = record.status;
    const run = state.runs.find((entry) => entry.session === record.name);
    if (run) run.result = record.status;
    if (isEnded(record) && state.definition.keepAlive && record.status !== 'killed') {
      if (record.status === 'completed') state.failures = 0;
      else state.failures += 1;
      const delay = state.failures === 0 ? 0 : Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (state.failures - 1));
      // Counted on this scheduler's clock, from when it saw the end (engine events come at once).
      state.respawnAt = now + delay;
    }
    return true;
  }

  /**
   * The minute of the newest firing of this job by any engine of the workspace (their sessions are
   * known to every engine), read from the run's name: stamped on the scheduler's clock, as `due` is.
   * -Infinity when none is known.
   */
  private latestRun(state: JobState): number {
    let latest = -Infinity;
    for (const record of this.engine.list()) {
      if (record.jobSlug === state.definition.slug) latest = Math.max(latest, runMinuteOf(record.name, state.definition.slug) ?? -Infinity);
    }
    return latest;
  }

  private liveSession(state: JobState): SessionRecord | undefined {
    return this.engine.list().find((record) => record.jobSlug === state.definition.slug && !isEnded(record));
  }

  /** Spawns a run of the job, named for the minute `at` (a scheduled firing's, or now). */
  private async fire(state: JobState, why: string, at?: number): Promise<SessionRecord | undefined> {
    const slug = state.definition.slug;
    // A run that is done but not yet ended (idle, ending by itself) does not hold the job.
    const working = this.engine.list().find((record) => record.jobSlug === slug && !isEnded(record) && isWorking(record));
    if (working) {
      this.options.logger.info(`Job ${slug} (${why}): skipped, ${working.name} is still ${working.status}`);
      state.lastResult = 'skipped';
      return undefined;
    }
    const { dailyBudgetUsd, budgetUsd } = state.definition;
    const spentToday = dailyBudgetUsd === undefined ? 0 : this.engine.usage.jobCostToday(slug);
    if (dailyBudgetUsd !== undefined && spentToday >= dailyBudgetUsd) {
      this.options.logger.warn(`Job ${slug} (${why}): not run, its daily budget of ${formatUsd(dailyBudgetUsd)} is spent (${formatUsd(spentToday)} today); it runs again tomorrow, or once dailyBudgetUsd is raised in jobs.json`);
      state.lastResult = 'over budget';
      this.emitter.fire();
      return undefined;
    }
    const now = this.options.clock.now();
    state.lastRunAt = now;
    const stored = this.stored();
    stored.lastRunAt[slug] = now;
    await this.options.storage.update(JOBS_STATE_KEY, stored);
    try {
      const record = await this.engine.spawn({
        name: jobRunName(slug, at ?? now, (name) => this.engine.get(name) !== undefined),
        prompt: state.definition.prompt,
        agent: state.definition.agent,
        model: state.definition.model,
        jobSlug: slug,
        cwd: state.folder,
        idleLimitMs: state.definition.endWhenIdleMs,
        // A run may spend what is left of the day's budget, and no more than a run's.
        budgetUsd: minOf(budgetUsd, dailyBudgetUsd === undefined ? undefined : dailyBudgetUsd - spentToday),
        worktree: state.definition.worktree === true ? true : state.definition.worktree ? { base: state.definition.worktree.base } : undefined,
      });
      state.lastSession = record.name;
      state.lastResult = record.status;
      state.runs = [{ session: record.name, at: now, result: record.status }, ...state.runs].slice(0, JOB_RUNS_KEPT);
      this.options.logger.info(`Job ${slug} (${why}) spawned ${record.name}`);
      return record;
    } catch (error) {
      state.lastResult = 'failed to spawn';
      state.failures += 1;
      this.options.logger.error(`Job ${slug} (${why}) could not spawn: ${(error as Error).message}`);
      return undefined;
    } finally {
      this.emitter.fire();
    }
  }

  private stored(): StoredJobs {
    const value = this.options.storage.get<StoredJobs>(JOBS_STATE_KEY);
    return { lastRunAt: { ...value?.lastRunAt }, disabled: [...(value?.disabled ?? [])] };
  }

  /** Sets the timer for the next due moment (a scheduled run or a respawn), at most a minute away. */
  private schedule(): void {
    if (!this.started) return;
    if (this.timer) clearTimeout(this.timer);
    const now = this.options.clock.now();
    let due = now + MAX_TIMER_MS;
    for (const state of this.states.values()) {
      if (!state.enabled) continue;
      for (const at of [state.nextRunAt, state.respawnAt]) if (at !== undefined) due = Math.min(due, at);
    }
    this.timer = setTimeout(() => void this.tick(), Math.max(0, due - now));
    this.timer.unref?.();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.subscription.dispose();
    this.emitter.dispose();
  }
}

/** `job-<slug>-<YYYYMMDD-HHMM>`, or with `-2`, `-3`… when that is taken. */
function jobRunName(slug: string, at: number, isTaken: (name: string) => boolean): string {
  const base = `job-${slug}-${stamp(at)}`;
  return firstFreeName((n) => (n === 1 ? base : `${base}-${n}`), isTaken);
}

/** YYYYMMDD-HHMM in local time. */
function stamp(at: number): string {
  const date = new Date(at);
  const two = (value: number) => String(value).padStart(2, '0');
  return `${date.getFullYear()}${two(date.getMonth() + 1)}${two(date.getDate())}-${two(date.getHours())}${two(date.getMinutes())}`;
}

/** The minute a run's name is stamped with (`job-<slug>-YYYYMMDD-HHMM[-n]`, local time), or undefined. */
export function runMinuteOf(name: string, slug: string): number | undefined {
  if (!name.startsWith(`job-${slug}-`)) return undefined;
  const match = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(-\d+)?$/.exec(name.slice(slug.length + 5));
  if (!match) return undefined;
  const [, year, month, day, hour, minute] = match.map(Number);
  return new Date(year, month - 1, day, hour, minute).getTime();
}

/** The smaller of two limits, either of which may be absent. */
function minOf(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.min(a, b);
}
