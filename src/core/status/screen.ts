/**
 * Reads Claude Code's screen (capture-pane text of the visible screen) as a fallback and a
 * confirmation of the hooks. Markers are those of Claude Code 2.1; screen text changes
 * between versions, which is why hooks come first.
 */

export type ScreenKind =
  /** A turn is in progress ("esc to interrupt"). */
  | 'working'
  /** The input box waits for a prompt. */
  | 'idle'
  /** A tool permission dialog. */
  | 'permission'
  /** A question or choice the agent put to the user. */
  | 'question'
  /** A first-run dialog: trust this folder, custom API key, bypass-permissions warning, login. */
  | 'setup'
  | 'unknown';

export interface ScreenState {
  kind: ScreenKind;
  /** What was recognised, for the status detail. */
  detail?: string;
}

/** How many lines from the bottom hold the dialogs and the footer. */
const TAIL_LINES = 30;

const SETUP_MARKERS: [RegExp, string][] = [
  [/Do you trust the files in this folder|Yes, I trust this folder|Is this a project you created or one you trust/i, 'trust dialog'],
  [/Detected a custom API key|Do you want to use this API key/i, 'API key dialog'],
  [/Bypass Permissions mode|you accept all responsibility for actions taken while running in Bypass Permissions mode/i, 'bypass-permissions warning'],
  [/Select login method|Log in with your Anthropic account|Choose the text style/i, 'first-run setup'],
];

const PERMISSION = /Do you want to (proceed|make this edit|create|allow|run|fetch|delete|overwrite)|Would you like to proceed|requires approval|Allow this (command|action)/i;
const CHOICE = /^\s*[❯>]?\s*1\.\s+\S/m;
const WORKING = /esc to interrupt/i;
const QUESTION_FOOTER = /Enter to select|Tab\/Arrow keys to navigate|Type something\.?$/im;
const INPUT_LINE = /^\s*[❯>][\u00a0 ]/m;
const RULE = /^[─━]{10,}\s*$/m;

export function classifyScreen(text: string): ScreenState {
  const lines = text.replace(/\r/g, '').split('\n');
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  const tail = lines.slice(-TAIL_LINES).join('\n');

  for (const [pattern, detail] of SETUP_MARKERS) {
    if (pattern.test(tail) && CHOICE.test(tail)) return { kind: 'setup', detail };
  }
  const permission = PERMISSION.exec(tail);
  if (permission && CHOICE.test(tail)) return { kind: 'permission', detail: 'permission dialog' };
  if (QUESTION_FOOTER.test(tail) && CHOICE.test(tail)) return { kind: 'question', detail: 'question' };
  if (WORKING.test(tail)) return { kind: 'working' };
  if (INPUT_LINE.test(tail) && RULE.test(tail)) return { kind: 'idle' };
  return { kind: 'unknown' };
}

/** Whether a screen shows something the user must answer. */
export const needsUser = (kind: ScreenKind): boolean => kind === 'permission' || kind === 'question' || kind === 'setup';

/**
 * The text in Claude Code's input box (the last "❯" line between the rules), or undefined when
 * no input box is visible. A paste shows there as "[Pasted text #1 +N lines]".
 */
export function inputBoxText(text: string): string | undefined {
  const lines = text.replace(/\r/g, '').split('\n');
  for (let i = lines.length - 1; i > 0; i -= 1) {
    const match = /^\s*❯[\u00a0 ](.*)$/.exec(lines[i]);
    if (match && RULE.test(lines[i - 1])) return match[1].replace(/[\u00a0\s]+$/, '');
  }
  return undefined;
}
