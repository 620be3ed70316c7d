/**
 * Choosing an option of a dialog so that it lands on exactly that option, or on none: one arrow
 * key at a time, the screen read back until the selection is where that key must put it, Enter
 * only once it is on the chosen option, then the dialog seen gone. A refused tool call is
 * confirmed by the session itself: its turn interrupted and no tool run (no PostToolUse) since.
 * Nothing more is sent once a reading disagrees with what the keys must have done.
 */
import { Dialog, DialogOption, isRefusal, sameDialog, stepToward } from '../status/dialog';
import type { ScreenState } from '../status/screen';
import { InstarError } from '../util/errors';

/** What the answer needs of the session: its screen, one key at a time, its record's counters, a clock. */
export interface DialogIo {
  /** The screen now, classified (its dialog, if one shows). */
  read(): Promise<ScreenState>;
  press(key: string): Promise<void>;
  /** What the session's record says now: how many tool calls ran (PostToolUse, PostToolUseFailure), its last event and status. */
  progress(): Progress;
  sleep(ms: number): Promise<void>;
  now(): number;
}

export interface AnswerLimits {
  /** How long one key may take to show on screen. */
  keyMs: number;
  /** How long the dialog may take to go once Enter was sent. */
  closeMs: number;
  /** How long a refusal may take to show as the turn interrupted. */
  refusalMs: number;
  pollMs: number;
}

export const ANSWER_LIMITS: AnswerLimits = { keyMs: 3000, closeMs: 5000, refusalMs: 5000, pollMs: 40 };

/**
 * What became of the answer: for a tool's permission, `allowed` or `refused` (a refusal seen:
 * the turn interrupted and no tool run); `chosen` for any other dialog.
 */
export type AnswerOutcome = 'allowed' | 'refused' | 'chosen';

export interface AnswerResult {
  option: DialogOption;
  index: number;
  outcome: AnswerOutcome;
  /** How long from the first key to the confirmation, in ms. */
  ms: number;
  /** Keys sent, in order. */
  keys: string[];
}

export interface Progress {
  toolCalls: number;
  /** The order key of the last event applied: another one means an event came. */
  eventCursor: string;
  lastEvent: string;
  status: string;
}

/** Events that say a tool's dialog is over (a Notification or PermissionRequest can come while it still shows). */
const MOVED_ON = new Set(['PreToolUse', 'PostToolUse', 'PostToolUseFailure', 'PermissionDenied', 'UserPromptSubmit', 'Stop', 'StopFailure', 'SessionEnd']);

/** Readings that must agree this many times in a row before a disagreement counts (a capture can catch a half-drawn frame). */
const STABLE_READINGS = 3;

/**
 * Chooses `dialog.options[index]` of the dialog `dialog` (as just read), `kind` being what the
 * screen classifier called it. Throws an InstarError ('answer-failed') saying what was seen and
 * what was sent when the selection is not where it must be, before anything more is sent.
 */
export async function chooseOption(io: DialogIo, dialog: Dialog, index: number, kind: ScreenState['kind'], limits: AnswerLimits = ANSWER_LIMITS): Promise<AnswerResult> {
  const option = dialog.options[index];
  if (!option) throw new RangeError(`There are ${dialog.options.length} options; ${index} is not one of them.`);
  const started = io.now();
  const keys: string[] = [];
  const fail = (what: string): never => {
    throw new InstarError(
      'answer-failed',
      `Could not choose ${JSON.stringify(option.label)}: ${what}. Sent so far: ${keys.length > 0 ? keys.join(', ') : 'nothing'}; nothing more was sent. Read the session's screen (Show Output) and answer it there.`,
    );
  };

  let current = dialog;
  for (let key = stepToward(current, index); key !== undefined; key = stepToward(current, index)) {
    const expected = current.selected + (key === 'Down' ? 1 : -1);
    const from = current.selected;
    await io.press(key);
    keys.push(key);
    const moved = await settle(io, limits.keyMs, limits.pollMs, (screen) => {
      const now = screen.dialog;
      if (now && sameDialog(now, dialog) && now.selected === expected) return 'done';
      return now && sameDialog(now, dialog) && now.selected === from ? 'wait' : 'wrong';
    });
    if (moved.verdict !== 'done') {
      const seen = moved.screen.dialog;
      fail(
        !seen
          ? 'the dialog went away while the selection moved'
          : !sameDialog(seen, dialog)
            ? 'another dialog showed while the selection moved'
            : `${key} should have selected ${JSON.stringify(dialog.options[expected].label)}, but ${JSON.stringify(seen.options[seen.selected]?.label)} is selected`,
      );
    }
    current = moved.screen.dialog!;
  }

  const before = io.progress();
  await io.press('Enter');
  keys.push('Enter');
  // Gone (or another dialog in its place), or the session moved on (its next hook event came).
  const closed = await settle(io, limits.closeMs, limits.pollMs, (screen) => {
    const progress = io.progress();
    if (progress.eventCursor !== before.eventCursor && MOVED_ON.has(progress.lastEvent)) return 'done';
    const now = screen.dialog;
    return now && sameDialog(now, dialog) && now.selected === index ? 'wait' : 'done';
  });
  if (closed.verdict !== 'done') fail(`Enter was sent on it, but the dialog still shows ${Math.round(limits.closeMs / 1000)} s later`);

  if (kind !== 'permission') return { option, index, outcome: 'chosen', ms: io.now() - started, keys };
  if (!isRefusal(option)) return { option, index, outcome: 'allowed', ms: io.now() - started, keys };
  // Refused: the turn shows as interrupted (or a hook moves on), and no tool ran meanwhile.
  const refused = await settle(io, limits.refusalMs, limits.pollMs, (screen) => {
    const progress = io.progress();
    if (progress.toolCalls > before.toolCalls) return 'wrong';
    return screen.turnEnd === 'interrupted' || progress.status === 'idle' || progress.status === 'error' ? 'done' : 'wait';
  });
  if (io.progress().toolCalls > before.toolCalls) {
    throw new InstarError('answer-failed', `${JSON.stringify(option.label)} was chosen, but Claude Code ran the tool call anyway (its PostToolUse hook came after the answer). Check what it did.`);
  }
  if (refused.verdict !== 'done') fail(`the dialog closed, but the session does not show its turn interrupted ${Math.round(limits.refusalMs / 1000)} s later`);
  return { option, index, outcome: 'refused', ms: io.now() - started, keys };
}

type Verdict = 'done' | 'wait' | 'wrong';

/**
 * Reads the screen until `judge` says done (once) or wrong (STABLE_READINGS times in a row), or
 * the time is up; returns the verdict of the last reading and that reading.
 */
async function settle(io: DialogIo, timeoutMs: number, pollMs: number, judge: (screen: ScreenState) => Verdict): Promise<{ verdict: Verdict; screen: ScreenState }> {
  const deadline = io.now() + timeoutMs;
  let wrongInARow = 0;
  for (;;) {
    const screen = await io.read();
    const verdict = judge(screen);
    if (verdict === 'done') return { verdict, screen };
    wrongInARow = verdict === 'wrong' ? wrongInARow + 1 : 0;
    if (wrongInARow >= STABLE_READINGS || io.now() >= deadline) return { verdict: verdict === 'wait' ? 'wait' : 'wrong', screen };
    await io.sleep(pollMs);
  }
}
