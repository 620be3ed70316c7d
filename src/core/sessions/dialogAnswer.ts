/**
 * Choosing an option of a dialog so that it lands on exactly that option, or on none: one arrow
 * key at a time, the screen read back until the selection is where that key must put it, Enter
 * only once it is on the chosen option, then the dialog seen gone. A refused tool call is
 * confirmed by the session itself: its turn interrupted and no tool run (no PostToolUse) since.
 * Nothing more is sent once a reading disagrees with what the keys must have done.
 *
 * Claude Code 2.1.332 ignores an Enter that comes within about 150 ms of a dialog being drawn
 * (measured with the real CLI: 10 of 12 such Enters lost at once, 3 of 16 at 100 ms, none from
 * 150 ms; 2.1.197 and 2.1.260 lost none), so the first key waits until the dialog has been seen
 * for a while, and a permission dialog left exactly as it was after Enter gets one more.
 */
import { Dialog, DialogOption, isRefusal, sameDialog, stepToward } from '../status/dialog';
import type { ScreenState } from '../status/screen';
import { InstarError } from '../util/errors';

/** What the answer needs of the session: its screen, one key at a time, its record's counters, a clock. */
export interface DialogIo {
  /** The screen now, classified (its dialog, if one shows), with its text. */
  read(): Promise<Reading>;
  press(key: string): Promise<void>;
  /** What the session's record says now: how many tool calls ran (PostToolUse, PostToolUseFailure), its last event and status. */
  progress(): Progress;
  sleep(ms: number): Promise<void>;
  now(): number;
}

/** A reading of the screen: what it shows, and the text it was read from. */
export interface Reading extends ScreenState {
  text: string;
}

export interface AnswerLimits {
  /** How long a dialog must have been on screen before the first key (Claude Code ignores an Enter that comes too soon). */
  settleMs: number;
  /** How long a permission dialog may stay exactly as it was after Enter before Enter is sent once more (0: never). */
  enterRetryMs: number;
  /** How long one key may take to show on screen. */
  keyMs: number;
  /** How long the dialog may take to go once Enter was sent. */
  closeMs: number;
  /** How long a refusal may take to show as the turn interrupted. */
  refusalMs: number;
  pollMs: number;
}

export const ANSWER_LIMITS: AnswerLimits = { settleMs: 400, enterRetryMs: 1500, keyMs: 3000, closeMs: 5000, refusalMs: 5000, pollMs: 40 };

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

/** The dialog to answer, as read: what the classifier called it and when it was first seen on screen. */
export interface DialogSeen {
  dialog: Dialog;
  kind: ScreenState['kind'];
  /** When (io.now()) a reading first showed it. */
  seenAt: number;
}

/**
 * Chooses `seen.dialog.options[index]`. Throws an InstarError ('answer-failed') saying what was
 * seen and what was sent when the selection is not where it must be, before anything more is sent.
 */
export async function chooseOption(io: DialogIo, seen: DialogSeen, index: number, limits: AnswerLimits = ANSWER_LIMITS): Promise<AnswerResult> {
  const { dialog, kind } = seen;
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

  const early = seen.seenAt + limits.settleMs - io.now();
  if (early > 0) await io.sleep(early);
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

  // The last look before Enter: the same dialog, with the selection on the option.
  const ready = await settle(io, limits.keyMs, limits.pollMs, (screen) => (screen.dialog && sameDialog(screen.dialog, dialog) && screen.dialog.selected === index ? 'done' : 'wrong'));
  if (ready.verdict !== 'done') fail(ready.screen.dialog ? `the selection left ${JSON.stringify(option.label)} before Enter` : 'the dialog went away before Enter');
  const before = io.progress();
  // Gone (or another dialog in its place), or the session moved on (its next hook event came).
  const judgeClosed = (screen: Reading): Verdict => {
    const progress = io.progress();
    if (progress.eventCursor !== before.eventCursor && MOVED_ON.has(progress.lastEvent)) return 'done';
    const now = screen.dialog;
    return now && sameDialog(now, dialog) && now.selected === index ? 'wait' : 'done';
  };
  await io.press('Enter');
  keys.push('Enter');
  const entered = io.now();
  // A permission dialog gets one more Enter when not a character of the screen nor an event
  // changed since: that Enter was not taken (after anything else it may have been).
  const retry = kind === 'permission' && limits.enterRetryMs > 0;
  let closed = await settle(io, retry ? limits.enterRetryMs : limits.closeMs, limits.pollMs, judgeClosed);
  if (retry && closed.verdict !== 'done') {
    const untouched = io.progress().eventCursor === before.eventCursor && closed.screen.text === ready.screen.text;
    if (untouched) {
      await io.press('Enter');
      keys.push('Enter');
    }
    closed = await settle(io, untouched ? limits.closeMs : Math.max(0, entered + limits.closeMs - io.now()), limits.pollMs, judgeClosed);
  }
  if (closed.verdict !== 'done') {
    const enters = keys.filter((key) => key === 'Enter').length;
    fail(`Enter was sent on it${enters > 1 ? ` ${enters} times` : ''}, but the dialog still shows ${Math.round(limits.closeMs / 1000)} s later`);
  }

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
async function settle(io: DialogIo, timeoutMs: number, pollMs: number, judge: (screen: Reading) => Verdict): Promise<{ verdict: Verdict; screen: Reading }> {
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
