/**
 * A session's output: the pane's last lines while it runs, and a snapshot saved at each turn's
 * end and when the session ends, so output outlives even the tmux server. Once a session has
 * ended its snapshot is its output: newer Claude Code leaves only a resume hint on the screen
 * when it exits (the conversation was on the alternate screen), so the final snapshot keeps the
 * last one before it.
 */
import { isEnded, SessionRecord } from '../model/sessionRecord';
import * as tmux from '../tmux/commands';
import type { TmuxServers } from '../tmux/tmuxServers';
import { InstarError, invalidInput, isGone } from '../util/errors';
import type { Logger } from '../util/host';
import { lastLines, stripAnsi, trimLineEnds } from '../util/text';
import type { OutputRequest } from './engineOptions';
import type { SessionFiles } from './sessionFiles';

export const MAX_OUTPUT_LINES = 10_000;
export const DEFAULT_OUTPUT_LINES = 100;
/** A snapshot is taken this long after a turn ends, once the final screen is drawn. */
const SNAPSHOT_DELAY_MS = 500;

export class SessionOutput {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly servers: TmuxServers,
    private readonly files: SessionFiles,
    private readonly logger: Logger,
  ) {}

  /** The last lines of a session's output; after the tmux session is gone, its saved snapshot. */
  async read(record: SessionRecord, request: OutputRequest = {}): Promise<string> {
    const lines = validateLines(request.lines);
    const ansi = request.ansi === true;
    const saved = isEnded(record) ? await this.files.readSnapshot(record.id) : undefined;
    if (saved !== undefined) return lastLines(ansi ? saved : trimLineEnds(stripAnsi(saved)), lines);
    try {
      const text = withoutTmuxNotice(await this.servers.client(record.tmuxSocket).run([tmux.capturePane(tmux.sessionPane(record.tmuxSession), { history: lines, ansi })]));
      return lastLines(ansi ? text : trimLineEnds(text), lines);
    } catch (error) {
      if (!isGone(error)) throw error;
    }
    const snapshot = await this.files.readSnapshot(record.id);
    if (snapshot === undefined) {
      throw new InstarError('not-found', `Session "${record.name}" has no output: its tmux session is gone and no snapshot was saved.`);
    }
    return lastLines(ansi ? snapshot : trimLineEnds(stripAnsi(snapshot)), lines);
  }

  /** Saves a snapshot shortly (a burst of turn ends saves once). */
  snapshotSoon(record: SessionRecord): void {
    clearTimeout(this.timers.get(record.id));
    const timer = setTimeout(() => {
      this.timers.delete(record.id);
      void this.snapshot(record);
    }, SNAPSHOT_DELAY_MS);
    timer.unref?.();
    this.timers.set(record.id, timer);
  }

  /** Saves the pane's history, with colours; a session already gone keeps its last snapshot. */
  async snapshot(record: SessionRecord): Promise<void> {
    try {
      const text = withoutTmuxNotice(await this.servers.client(record.tmuxSocket).run([tmux.capturePane(tmux.sessionPane(record.tmuxSession), { history: MAX_OUTPUT_LINES, ansi: true })]));
      await this.files.writeSnapshot(record.id, lastLines(text, MAX_OUTPUT_LINES));
    } catch (error) {
      this.logger.debug(`No snapshot of ${record.name}: ${(error as Error).message}`);
    }
  }

  /**
   * The snapshot of a pane that has died: what it shows now, after the last snapshot when the
   * agent cleared its screen on the way out (fewer lines left than that snapshot held). Returns
   * the pane's last lines as plain text ('' when it could not be read), for what they say of the exit.
   */
  async finalSnapshot(record: SessionRecord, lines: number): Promise<string> {
    let text: string;
    try {
      text = withoutTmuxNotice(await this.servers.client(record.tmuxSocket).run([tmux.capturePane(tmux.sessionPane(record.tmuxSession), { history: MAX_OUTPUT_LINES, ansi: true })]));
    } catch (error) {
      this.logger.debug(`No final snapshot of ${record.name}: ${(error as Error).message}`);
      return '';
    }
    const previous = await this.files.readSnapshot(record.id);
    const kept = previous !== undefined && contentLines(previous) > contentLines(text) ? joinFinalScreen(lastLines(previous, MAX_OUTPUT_LINES), text) : text;
    await this.files.writeSnapshot(record.id, lastLines(kept, MAX_OUTPUT_LINES)).catch((error) => this.logger.debug(`No final snapshot of ${record.name}: ${(error as Error).message}`));
    return lastLines(trimLineEnds(stripAnsi(text)), lines);
  }

  dispose(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}

/** tmux's own line under a dead pane ("Pane is dead (status 0, …)", kept by remain-on-exit): not the agent's output. */
const TMUX_NOTICE = /^Pane is dead\b/;

export function withoutTmuxNotice(text: string): string {
  return text
    .split('\n')
    .filter((line) => !TMUX_NOTICE.test(stripAnsi(line).trim()))
    .join('\n');
}

const isBlank = (line: string): boolean => stripAnsi(line).trim() === '';
const contentLines = (text: string): number => text.split('\n').filter((line) => !isBlank(line)).length;

/**
 * The last snapshot with what the final screen adds to it: the screen's first lines that the
 * snapshot already holds, in the same order (the banner and the conversation's start, drawn again
 * on the way out), are not added twice; runs of blank lines are cut to one.
 */
export function joinFinalScreen(previous: string, screen: string): string {
  const plain = (line: string) => stripAnsi(line).trim();
  const held = previous.split('\n').map(plain).filter((line) => line !== '');
  const lines = withoutBlankRuns(screen).split('\n');
  const content = lines.map((line, index) => ({ line: plain(line), index })).filter((entry) => entry.line !== '');
  // The longest run of the screen's first content lines found, in order, in the snapshot.
  let repeated = 0;
  for (let start = 0; start < held.length && repeated < content.length; start += 1) {
    let length = 0;
    while (length < content.length && start + length < held.length && held[start + length] === content[length].line) length += 1;
    repeated = Math.max(repeated, length);
  }
  const rest = repeated === 0 ? lines : lines.slice(content[repeated - 1].index + 1);
  return rest.some((line) => !isBlank(line)) ? `${previous}\n${rest.join('\n')}` : previous;
}
/** The lines with runs of blank ones (a cleared screen) cut to one. */
const withoutBlankRuns = (text: string): string => text.split('\n').filter((line, index, lines) => !isBlank(line) || (index > 0 && !isBlank(lines[index - 1]))).join('\n');

export function validateLines(lines: unknown): number {
  if (lines === undefined || lines === null || lines === '') return DEFAULT_OUTPUT_LINES;
  const value = typeof lines === 'string' && /^\d+$/.test(lines) ? Number(lines) : lines;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_OUTPUT_LINES) {
    throw invalidInput(`lines must be a whole number from 1 to ${MAX_OUTPUT_LINES}, not ${JSON.stringify(lines)}.`);
  }
  return value;
}
