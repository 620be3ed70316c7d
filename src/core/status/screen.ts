/**
 * Reads Claude Code's screen (capture-pane text of the visible screen) as a fallback and a
 * confirmation of the hooks. Dialogs are recognised by their shape (dialog.ts), which holds
 * from 2.1.197 to 2.1.332 although their words and numbering changed; a dialog always means the
 * session waits for the user, never that it is idle. Hooks come first: screen text changes
 * between versions.
 */
import { stripAnsi } from '../util/text';
import { Dialog, parseDialog } from './dialog';

export type ScreenKind =
  /** A turn is in progress ("esc to interrupt"). */
  | 'working'
  /** The input box waits for a prompt. */
  | 'idle'
  /** A tool permission dialog. */
  | 'permission'
  /** A question or choice the agent put to the user. */
  | 'question'
  /** A start-up dialog: trust this folder, custom API key, bypass-permissions warning, theme, settings warning, login. */
  | 'setup'
  | 'unknown';

export interface ScreenState {
  kind: ScreenKind;
  /** What was recognised, for the status detail. */
  detail?: string;
  /** The options of the dialog on screen, when one shows. */
  dialog?: Dialog;
  /**
   * On an idle screen, how the last turn ended where no hook says so: interrupted (Escape, or a
   * permission refused), its prompt handed back to the input box (Escape before any answer), or
   * refused for the context limit. Absent: nothing on screen says the turn ended; an empty input
   * box under the prompt can also be a turn that has not drawn its spinner yet.
   */
  turnEnd?: 'interrupted' | 'returned' | 'context-limit' | 'rate-limited';
}

/** How many lines from the bottom hold the dialogs and the footer. */
const TAIL_LINES = 30;

/** The detail of Claude Code's login screen (no login, no key). */
export const LOGIN_SCREEN = 'not logged in (login screen)';

const SETUP_MARKERS: [RegExp, string][] = [
  [/Do you trust the files in this folder|Yes, I trust this folder|Is this a project you created or one you trust/i, 'trust dialog'],
  [/Detected a custom API key|Do you want to use this API key/i, 'API key dialog'],
  [/Bypass Permissions mode|you accept all responsibility for actions taken while running in Bypass Permissions mode/i, 'bypass-permissions warning'],
  [/Settings Warning|Unknown hook event/i, 'settings warning'],
  [/Choose the text style|run \/theme/i, 'theme picker'],
  [/Select login method|Log in with your Anthropic account/i, LOGIN_SCREEN],
];

/**
 * What a person does about each first-run screen of Claude Code (its status detail), in words:
 * the fix is in the session (Answer Prompt) or, for a login, outside it (a terminal).
 */
export const SETUP_ADVICE: Readonly<Record<string, string>> = {
  'trust dialog': 'Claude Code asks whether to trust this folder: answer it with Answer Prompt (or in its terminal).',
  'API key dialog': 'Claude Code asks whether to use the API key it found in its environment: answer it with Answer Prompt.',
  'bypass-permissions warning': 'Claude Code asks you to accept Bypass Permissions mode, once: answer it with Answer Prompt, or spawn in another mode (instar.permissionMode).',
  'settings warning': 'Claude Code found a problem in its settings files: open the session to read it, then answer it.',
  'theme picker': "Claude Code's first run asks for a text style: pick one with Answer Prompt; it asks once.",
  [LOGIN_SCREEN]: 'Claude Code is not logged in and asks how to log in: log in with Log In to Claude Code (a terminal), then spawn the session again.',
};

const PERMISSION = /Do you want to (proceed|make this edit|create|allow|run|fetch|delete|overwrite)|Would you like to (proceed|run|make|apply)|requires approval|Allow this (command|action)|Allow execution of|Apply this change\?/i;
const WORKING = /esc to interrupt/i;
const QUESTION_FOOTER = /Enter to select|Tab\/Arrow keys to navigate|Type something\.?$/im;
const DIALOG_FOOTER = /Enter to confirm|Esc to cancel/i;
const AWAITING_INPUT = /^\s*\S+.*\b\d+ awaiting input\b/m;
const INPUT_LINE = /^\s*[❯>][\u00a0 ]/m;
const RULE = /^[─━]{10,}\s*$/m;

export function classifyScreen(text: string): ScreenState {
  const lines = text.replace(/\r/g, '').split('\n');
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  const tail = lines.slice(-TAIL_LINES).join('\n');
  const dialog = parseDialog(tail);

  if (dialog) {
    for (const [pattern, detail] of SETUP_MARKERS) if (pattern.test(tail)) return { kind: 'setup', detail, dialog };
    if (PERMISSION.test(tail)) return { kind: 'permission', detail: 'permission dialog', dialog };
    if (QUESTION_FOOTER.test(tail)) return { kind: 'question', detail: 'question', dialog };
    if (DIALOG_FOOTER.test(tail)) return { kind: 'question', detail: 'dialog', dialog };
  }
  // 2.1.332's agents view: a background session of this one asks something ("1 awaiting input").
  if (AWAITING_INPUT.test(lines.join('\n'))) return { kind: 'question', detail: 'a background session needs input' };
  // A dialog without options ("Enter to stay in auto mode · … · Esc to cancel") at the very bottom.
  if (DIALOG_FOOTER.test(lines.slice(-2).join('\n'))) return { kind: 'question', detail: 'dialog' };
  if (WORKING.test(tail)) return { kind: 'working' };
  // Codex or Gemini CLI after a refused tool call: its turn ends with this line, and no hook says so.
  if (REFUSAL_ENDED.test(lines.filter((line) => line.trim() !== '').slice(-8).join('\n'))) return { kind: 'idle', turnEnd: 'interrupted' };
  if (INPUT_LINE.test(tail) && RULE.test(tail)) {
    const turnEnd = turnEndOf(lines);
    return turnEnd ? { kind: 'idle', turnEnd: turnEnd.end, ...(turnEnd.line ? { detail: turnEnd.line } : {}) } : { kind: 'idle' };
  }
  return { kind: 'unknown' };
}

const INTERRUPTED = /^\s*⎿\s+Interrupted\b/;
/** The line Gemini CLI 0.61.0 ("ℹ Request cancelled.") and Codex 0.169.0 ("■ Conversation interrupted") end a refused turn with. */
const REFUSAL_ENDED = /^\s*(ℹ Request cancelled\.\s*$|■ Conversation interrupted\b)/m;
const CONTEXT_LIMIT = /^\s*⎿\s+Context limit reached\b/;
/** The turn's answer is Claude Code's word that a rate limit or quota refused it. */
const RATE_LIMITED = /^\s*[●⎿]\s+(API Error:.*\b429\b|.*(usage limit reached|hit your (usage )?limit|rate limit))/i;
/** The summary line under a finished turn ("✻ Churned for 0s"). */
const TURN_SUMMARY = /^\s*✻ /;
/** A right-aligned notice above the box ("tmux detected · scroll with PgUp/PgDn…", "● high · /effort"), not the conversation. */
const NOTICE = /^\s{20,}\S/;

/** What the screen says of how the last turn ended (the lines right above the input box), and the line that says a rate limit's. */
function turnEndOf(lines: readonly string[]): { end: NonNullable<ScreenState['turnEnd']>; line?: string } | undefined {
  const box = inputBoxText(lines.join('\n'));
  if (box !== undefined && box !== '') return { end: 'returned' };
  let i = lines.length - 1;
  while (i > 0 && !(/^\s*❯[\u00a0 ]/.test(lines[i]) && RULE.test(lines[i - 1]))) i -= 1;
  // Up from the rule above the box, past blank lines and the turn's summary, to the last thing said.
  for (let j = i - 2; j >= 0; j -= 1) {
    const line = lines[j];
    if (line.trim() === '' || TURN_SUMMARY.test(line) || NOTICE.test(line)) continue;
    if (INTERRUPTED.test(line)) return { end: 'interrupted' };
    if (CONTEXT_LIMIT.test(line)) return { end: 'context-limit' };
    if (RATE_LIMITED.test(line)) return { end: 'rate-limited', line: line.trim().replace(/^[●⎿]\s+/, '') };
    return undefined;
  }
  return undefined;
}

/** Whether a screen shows something the user must answer. */
export const needsUser = (kind: ScreenKind): boolean => kind === 'permission' || kind === 'question' || kind === 'setup';

/** Hints Claude Code shows in an empty input box after an API error or a refused prompt (dim, in 2.1.260 and later). */
const PLACEHOLDERS = /^(Resend your message to try again|Once fixed, resend your message|Run \/rewind to go back)$/;

/**
 * The text in Claude Code's input box (the last "❯" line right under a rule), or undefined when
 * no input box is visible. A paste shows there as "[Pasted text #1 +N lines]". Placeholder text
 * is not input: from a capture with colours (`capture-pane -e`), text drawn dim is left out;
 * from a plain capture, the known placeholders are.
 */
export function inputBoxText(screen: string): string | undefined {
  const lines = screen.replace(/\r/g, '').split('\n');
  for (let i = lines.length - 1; i > 0; i -= 1) {
    const plain = stripAnsi(lines[i]);
    const match = /^\s*❯[\u00a0 ](.*)$/.exec(plain);
    if (!match || !RULE.test(stripAnsi(lines[i - 1]))) continue;
    const text = match[1].replace(/[\u00a0\s]+$/, '');
    if (lines[i].includes('\x1b')) return undefinedIfBlank(typedText(lines[i])) === undefined ? '' : text;
    return PLACEHOLDERS.test(text) ? '' : text;
  }
  return undefined;
}

const undefinedIfBlank = (text: string): string | undefined => (text.trim() === '' ? undefined : text);

/**
 * What an input line holds in normal (not dim) text, leaving out the prompt sign and the cursor
 * (drawn in reverse video).
 */
function typedText(line: string): string {
  let dim = false;
  let reverse = false;
  let out = '';
  const pattern = /\x1b\[([0-9;:]*)m|\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|([^\x1b]+)/g;
  for (const match of line.matchAll(pattern)) {
    if (match[1] !== undefined) {
      const codes = match[1] === '' ? [0] : match[1].split(/[;:]/).map(Number);
      for (const code of codes) {
        if (code === 0) dim = reverse = false;
        else if (code === 2) dim = true;
        else if (code === 22) dim = false;
        else if (code === 7) reverse = true;
        else if (code === 27) reverse = false;
      }
    } else if (match[2] !== undefined && !dim && !reverse) {
      out += match[2];
    }
  }
  return out.replace(/^\s*❯[\u00a0 ]?/, '');
}
