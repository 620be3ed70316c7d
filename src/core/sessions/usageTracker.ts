/**
 * Keeps every session's usage (tokens, cost, context) true and current: it follows each
 * session's transcript from where it last read (never reading a file whole again) and the file its
 * status line keeps of what Claude Code last said, and checks budgets as usage grows.
 *
 * Both sources are files every engine can read, so each engine of a workspace keeps the same
 * figures itself; how far it read is kept on its records, so a start reads only what is new.
 * A change is seen at once: one watcher on the usage folder, one per folder of transcripts.
 */
import { FSWatcher, promises as fs, watch } from 'node:fs';
import * as path from 'node:path';
import { parseStatusLineInput } from '../agent/statusLine';
import { LineParser, transcriptParser } from '../agent/transcriptFormats';
import { readNewLines } from '../agent/transcriptReader';
import { isEnded, SessionRecord } from '../model/sessionRecord';
import { dayOf, formatUsd } from '../model/usage';
import { budgetLevel } from '../usage/budgets';
import { PriceTable } from '../usage/priceTable';
import { addAnswer, addClaudeCost, addStatusLine, emptyUsageState, UsageState } from '../usage/usageMeter';
import { coalesceByKey } from '../util/coalesce';
import { Emitter } from '../util/emitter';
import type { Clock, Logger } from '../util/host';
import type { SessionFiles } from './sessionFiles';
import type { SessionStore } from './sessionStore';

/** A budget at 80 %, or reached (the session is then being stopped). */
export interface BudgetNotice {
  level: 'warning' | 'exceeded';
  scope: 'session' | 'day';
  /** The session it is about; for the day, the session whose usage crossed it. */
  session: string;
  spentUsd: number;
  limitUsd: number;
  message: string;
}

/** Reads of transcripts at once, at most. */
const READS_AT_ONCE = 4;
/** Ended sessions settled at a start per commit. */
const SETTLE_BATCH = 500;

export interface UsageTrackerOptions {
  clock: Clock;
  logger: Logger;
  prices: () => PriceTable;
  /** The most the workspace's sessions may cost in a day (USD), if limited. */
  dailyBudgetUsd: () => number | undefined;
  /** The cost of a day of sessions no longer in the store (removed), for daily totals. */
  removedCostOn: (day: string) => number;
  /** Stops a session over a budget (interrupts its turn and ends it as an error with `detail`). */
  stop: (record: SessionRecord, detail: string) => Promise<void>;
}

export class UsageTracker {
  private readonly watchers = new Map<string, FSWatcher>();
  /** Reads per session id: one at a time, one more when asked meanwhile. */
  private readonly reads = coalesceByKey(
    (id) => this.read(id).catch((error) => this.options.logger.debug(`Could not read the usage of session ${id}: ${(error as Error).message}`)),
    () => this.disposed,
  );
  /** Sessions whose usage was read once after they ended: nothing more comes. */
  private readonly settled = new Set<string>();
  /** The turn's end (or the session's) each session was last read after. */
  private readonly readAfter = new Map<string, string>();
  private subscription: { dispose(): void } | undefined;
  /** The day whose daily-budget warning was given. */
  private warnedDay: string | undefined;
  private readonly notices = new Emitter<BudgetNotice>();
  readonly onBudget = this.notices.event;
  private disposed = false;
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly store: SessionStore,
    private readonly files: SessionFiles,
    private readonly options: UsageTrackerOptions,
  ) {}

  /** Follows every session, and reads soon what is new for each (from where it was read). */
  start(): void {
    this.watch(this.files.usageDir, (file) => {
      const id = /^([A-Za-z0-9-]+)\.json$/.exec(file)?.[1];
      if (id) this.update(id);
    });
    this.subscription = this.store.onDidChange(({ changed }) => {
      for (const record of changed) {
        if (!isEnded(record)) this.settled.delete(record.id);
        if (record.transcriptPath) this.watchTranscripts(record.transcriptPath);
        // A turn ended or the session did (once each): its last lines are there now, the watcher may be late.
        const moment = `${record.lastEvent}@${record.lastEventAt}:${record.endedAt}`;
        if (this.settled.has(record.id) || this.readAfter.get(record.id) === moment) continue;
        if (record.lastEvent === 'Stop' || record.lastEvent === 'StopFailure' || isEnded(record)) {
          this.readAfter.set(record.id, moment);
          this.update(record.id);
        }
      }
    });
    // What is new for each session is read off the start's path, a few at a time: a session whose
    // run ended and was read after its end has nothing more to give.
    const unsettled: string[] = [];
    for (const record of this.store.all()) {
      if (isEnded(record)) {
        if (record.usageCursor?.settledRun === (record.runs ?? 1)) this.settled.add(record.id);
        else unsettled.push(record.id);
        continue;
      }
      if (record.transcriptPath) this.watchTranscripts(record.transcriptPath);
      this.update(record.id);
    }
    if (unsettled.length > 0) this.settling = this.settleEnded(unsettled);
  }

  /**
   * Ended sessions not read since their end (a registry from before their reads were kept, or
   * sessions another engine ended): each read once, and committed SETTLE_BATCH at a time, so that
   * thousands of them make a few saves and changes, not one each.
   */
  private async settleEnded(ids: readonly string[]): Promise<void> {
    for (let at = 0; at < ids.length && !this.disposed; at += SETTLE_BATCH) {
      const batch = await Promise.all(
        ids.slice(at, at + SETTLE_BATCH).map(async (id) => {
          await this.slot();
          try {
            return await this.readState(id);
          } catch (error) {
            this.options.logger.debug(`Could not read the usage of session ${id}: ${(error as Error).message}`);
            return undefined;
          } finally {
            this.release();
          }
        }),
      );
      const changed = batch.filter((record): record is SessionRecord => record !== undefined);
      if (changed.length > 0 && !this.disposed) await this.store.commit(changed);
    }
  }

  private settling: Promise<void> = Promise.resolve();

  /** Resolves once no read is under way (tests, benchmarks). */
  async idle(): Promise<void> {
    await this.settling;
    await this.reads.idle();
  }

  /** Reads a session's new usage soon (one read at a time per session; a read asked for meanwhile follows it). */
  update(id: string): void {
    if (!this.disposed) void this.reads.run(id);
  }

  /** The workspace's cost on a day: its sessions' and the removed ones'. */
  costOn(day: string): number {
    let total = this.options.removedCostOn(day);
    for (const record of this.store.all()) total += record.usage?.costByDay[day] ?? 0;
    return total;
  }

  private async read(id: string): Promise<void> {
    await this.slot();
    try {
      await this.readNow(id);
    } finally {
      this.release();
    }
  }

  /** At most READS_AT_ONCE reads at a time: a start with many transcripts to catch up on stays bounded in memory. */
  private slot(): Promise<void> {
    if (this.running < READS_AT_ONCE) {
      this.running += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running -= 1;
  }

  private async readNow(id: string): Promise<void> {
    const next = await this.readState(id);
    if (!next) return;
    await this.store.commit([next]);
    if (!isEnded(next)) await this.checkBudgets(next);
  }

  /** Reads what is new of a session's usage into its record (not yet committed); undefined when nothing is. */
  private async readState(id: string): Promise<SessionRecord | undefined> {
    const record = this.store.byId(id);
    if (!record || this.settled.has(id)) return undefined;
    const ended = isEnded(record);
    const { clock, prices } = this.options;
    let state: UsageState = record.usage && record.usageCursor ? { usage: record.usage, cursor: record.usageCursor } : emptyUsageState(clock.now());
    const before = state;
    state = await this.readStatusLine(id, state);
    if (record.transcriptPath) state = await this.readTranscript(record, record.transcriptPath, state, prices());
    if (ended) {
      this.settled.add(id);
      this.parsers.delete(id);
      state = { usage: state.usage, cursor: { ...state.cursor, settledRun: record.runs ?? 1 } };
    }
    if (state === before) return undefined;
    return this.store.update(record.name, id, (current) => ({ ...current, usage: state.usage, usageCursor: state.cursor }));
  }

  private async readStatusLine(id: string, state: UsageState): Promise<UsageState> {
    const file = this.files.usageFile(id);
    let at: number;
    try {
      at = (await fs.stat(file)).mtimeMs;
    } catch {
      return state;
    }
    if (state.cursor.statusLineAt !== undefined && at <= state.cursor.statusLineAt) return state;
    const figures = parseStatusLineInput(await fs.readFile(file, 'utf8').catch(() => ''));
    return figures ? addStatusLine(state, figures, at) : state;
  }

  /** The reader of each session's transcript, kept from one read to the next (Codex's and Gemini CLI's keep state between lines). */
  private readonly parsers = new Map<string, { transcript: string; parse: LineParser }>();

  private parserOf(record: SessionRecord, transcript: string, fromStart: boolean): LineParser {
    const known = this.parsers.get(record.id);
    if (known && known.transcript === transcript && !fromStart) return known.parse;
    const parse = transcriptParser(record.agentKind, record.model);
    this.parsers.set(record.id, { transcript, parse });
    return parse;
  }

  private async readTranscript(record: SessionRecord, transcript: string, state: UsageState, prices: PriceTable): Promise<UsageState> {
    // Another file than the one read (a conversation moved): read it from its start, totals kept.
    let next: UsageState = state.cursor.transcript === transcript ? state : { usage: state.usage, cursor: { ...state.cursor, transcript, offset: 0, last: undefined } };
    const startedAt = next;
    const now = this.options.clock.now();
    const parse = this.parserOf(record, transcript, next.cursor.offset === 0);
    const read = await readNewLines(transcript, next.cursor.offset, (line, truncated) => {
      const parsed = parse(line, truncated);
      if (parsed.usage) next = addAnswer(next, parsed.usage, prices, now);
      if (parsed.claudeCostUsd !== undefined && parsed.claudeCostUsd !== next.cursor.claudeCostUsd) next = addClaudeCost(next, parsed.claudeCostUsd, now);
    });
    if (read.restarted) {
      // Shorter than what was read: a file replaced. Its figures are counted again from nothing.
      this.options.logger.debug(`The transcript ${transcript} is shorter than was read; reading it again`);
      const fresh = emptyUsageState(now);
      return this.readTranscript(record, transcript, { usage: fresh.usage, cursor: { ...fresh.cursor, transcript } }, prices);
    }
    if (read.offset === next.cursor.offset && next === startedAt) return startedAt;
    return { usage: next.usage, cursor: { ...next.cursor, offset: read.offset } };
  }

  /** A session's own budget, then the workspace's daily one. */
  private async checkBudgets(record: SessionRecord): Promise<void> {
    const usage = record.usage;
    if (!usage || record.budgetExceeded) return;
    const daily = this.options.dailyBudgetUsd();
    if ((record.budgetUsd !== undefined || daily !== undefined) && usage.costSource === 'transcript' && usage.unpriced?.length && !record.budgetUnpricedWarned) {
      await this.warnUnpriced(record, usage.unpriced, record.budgetUsd ?? daily!);
    }
    if (record.budgetUsd !== undefined) {
      const level = budgetLevel(usage.costUsd, record.budgetUsd);
      if (level === 'exceeded') {
        const detail = `budget: ${formatUsd(usage.costUsd)} spent of the session's ${formatUsd(record.budgetUsd)}`;
        this.notify({ level: 'exceeded', scope: 'session', session: record.name, spentUsd: usage.costUsd, limitUsd: record.budgetUsd, message: `${record.name} reached its budget (${formatUsd(usage.costUsd)} of ${formatUsd(record.budgetUsd)}) and is being stopped.` });
        return this.stop(record, detail);
      }
      if (level === 'warning' && !record.budgetWarned) {
        const warned = this.store.update(record.name, record.id, (current) => ({ ...current, budgetWarned: true }));
        if (warned) await this.store.commit([warned]);
        this.notify({ level: 'warning', scope: 'session', session: record.name, spentUsd: usage.costUsd, limitUsd: record.budgetUsd, message: `${record.name} has spent ${formatUsd(usage.costUsd)} of its ${formatUsd(record.budgetUsd)} budget.` });
      }
    }
    if (daily === undefined) return;
    const today = dayOf(this.options.clock.now());
    const spent = this.costOn(today);
    const level = budgetLevel(spent, daily);
    if (level === 'exceeded') {
      const live = this.store.all().filter((other) => !isEnded(other) && !other.budgetExceeded);
      if (live.length === 0) return;
      const who = live.length === 1 ? `${live[0].name} is` : `${live.length} sessions are`;
      this.notify({ level: 'exceeded', scope: 'day', session: record.name, spentUsd: spent, limitUsd: daily, message: `The daily budget of ${formatUsd(daily)} is spent (${formatUsd(spent)} today): ${who} being stopped, and no session starts today unless it is raised.` });
      const detail = `budget: ${formatUsd(spent)} spent today of the daily ${formatUsd(daily)}`;
      for (const each of live) await this.stop(each, detail);
    } else if (level === 'warning' && this.warnedDay !== today) {
      this.warnedDay = today;
      this.notify({ level: 'warning', scope: 'day', session: record.name, spentUsd: spent, limitUsd: daily, message: `Sessions have spent ${formatUsd(spent)} today, ${Math.round((spent / daily) * 100)} % of the daily budget of ${formatUsd(daily)}.` });
    }
  }

  /** A budget over a model the price table does not know would hold at nothing: say so, once per session. */
  private async warnUnpriced(record: SessionRecord, models: string[], limitUsd: number): Promise<void> {
    const warned = this.store.update(record.name, record.id, (current) => ({ ...current, budgetUnpricedWarned: true }));
    if (warned) await this.store.commit([warned]);
    const which = models.map((model) => `"${model}"`).join(', ');
    this.notify({
      level: 'warning',
      scope: record.budgetUsd !== undefined ? 'session' : 'day',
      session: record.name,
      spentUsd: record.usage?.costUsd ?? 0,
      limitUsd,
      message: `${record.name} uses ${which}, which has no price here: its tokens are counted but not its cost, so no budget can stop it. Give the price in instar.usage.prices (USD per million tokens, e.g. {"${models[0]}": {"input": 1.25, "output": 10}}).`,
    });
  }

  private async stop(record: SessionRecord, detail: string): Promise<void> {
    try {
      await this.options.stop(record, detail);
    } catch (error) {
      this.options.logger.warn(`Could not stop ${record.name} for its budget: ${(error as Error).message}`);
    }
  }

  private notify(notice: BudgetNotice): void {
    this.options.logger.warn(notice.message);
    this.notices.fire(notice);
  }

  /** Follows the folder of a transcript (one watcher per folder: a project's sessions share it). */
  private watchTranscripts(transcript: string): void {
    const dir = path.dirname(transcript);
    if (this.watchers.has(dir)) return;
    this.watch(dir, (file) => {
      if (!file.endsWith('.jsonl')) return;
      // By the file's name as each CLI gives it ("<id>.jsonl", Codex's "rollout-…-<id>.jsonl", Gemini's "session-….jsonl").
      for (const record of this.store.all()) {
        if (record.transcriptPath && path.basename(record.transcriptPath) === file && path.dirname(record.transcriptPath) === dir && !this.settled.has(record.id)) this.update(record.id);
      }
    });
  }

  private watch(dir: string, onFile: (file: string) => void): void {
    if (this.disposed || this.watchers.has(dir)) return;
    try {
      const watcher = watch(dir, { persistent: false }, (_event, file) => {
        if (file) onFile(file.toString());
      });
      watcher.on('error', (error) => {
        this.options.logger.debug(`Watching ${dir} for usage stopped: ${String(error)}; turns still bring it`);
        this.watchers.delete(dir);
      });
      this.watchers.set(dir, watcher);
    } catch (error) {
      // Not there yet (a transcript folder appears with the first message): turns bring the usage meanwhile.
      this.options.logger.debug(`Cannot watch ${dir} for usage yet: ${(error as Error).message}`);
    }
  }

  dispose(): void {
    this.disposed = true;
    this.subscription?.dispose();
    for (const watcher of this.watchers.values()) watcher.close();
    this.watchers.clear();
    this.notices.dispose();
  }
}
