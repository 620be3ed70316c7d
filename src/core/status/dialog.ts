/**
 * The choices a dialog of Claude Code shows on screen, read by their shape rather than their
 * words: one option marked with "❯" and the others aligned under its text, numbered ("❯ 1. Yes")
 * or not ("❯ No, exit", from 2.1.260 on), with "✔" before the current value of a setting. The
 * input box (a "❯" line between two rules) is not a dialog. An option is chosen one arrow key
 * at a time, the screen read back after each (dialogAnswer.ts), never with a blind "1" or a
 * burst of keys: 2.1.197 took "Down Down Enter" sent at once as Enter on the first option.
 *
 * Other CLIs' dialogs are read as the same shape once unboxed: Gemini CLI draws its options in a
 * box ("│ ● 1. Allow once │") and Codex marks the selected one with "›"; a numbered option under
 * either mark is read as under "❯" (their input lines, "›" and ">", are not numbered).
 */

export interface DialogOption {
  /** The option's text, without its number: its first line. */
  label: string;
  /** The lines under it, aligned with its text (a question's option description, or the rest of a wrapped label). */
  description?: string;
  /** Its number, in a numbered dialog. */
  number?: number;
  /** The "❯" is on it: Enter picks it. */
  selected: boolean;
}

export interface Dialog {
  options: DialogOption[];
  /** Index of the option under the "❯". */
  selected: number;
  /** What it asks, as the screen says it above the options (the command, the file, the question), one line each. */
  question?: string;
}

const SELECTED = /^(\s*)❯[ \u00a0]+(✔[ \u00a0]+)?(\S.*?)\s*$/;
const RULE = /^\s*[─━]{10,}\s*$/;
/** The dashed separators 2.1.332 draws around a command. */
const DASHES = /^\s*╌{10,}\s*$/;
const NUMBERED = /^(\d{1,2})\.\s+(.*)$/;
/** How many lines from the bottom a dialog can sit in. */
const TAIL_LINES = 40;
/** How many lines of what a dialog asks are kept. */
const QUESTION_LINES = 6;

/** The dialog on a screen (plain text), or undefined when none shows. */
export function parseDialog(screen: string): Dialog | undefined {
  const lines = screen.replace(/\r/g, '').split('\n').map(unboxed);
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  const start = Math.max(0, lines.length - TAIL_LINES);
  let at = -1;
  for (let i = lines.length - 1; i >= start; i -= 1) {
    if (SELECTED.test(lines[i])) {
      at = i;
      break;
    }
  }
  if (at < 0 || isInputBox(lines, at)) return undefined;
  const match = SELECTED.exec(lines[at])!;
  // The column where option texts start: after "❯ " and the "✔ " of a current value.
  const column = lines[at].length - lines[at].trimStart().length + lines[at].trimStart().indexOf(match[3]);
  const aligned = (line: string) => line.length > column && line.slice(0, column).trim() === '' && !/\s/.test(line[column]);
  const deeper = (line: string) => line.length > column && line.slice(0, column + 1).trim() === '';
  const inBlock = (i: number) => i >= start && i < lines.length && (i === at || aligned(lines[i]) || deeper(lines[i]));

  // The block: the lines around the "❯" that are options (aligned) or their wrapped ends (deeper),
  // across a rule between numbered options (a question's "6. Chat about this" sits under one).
  const bridges = (rule: number, option: number) => rule >= start && rule < lines.length && RULE.test(lines[rule]) && inBlock(option) && NUMBERED.test(lines[option].trim());
  let first = at;
  for (;;) {
    if (inBlock(first - 1)) first -= 1;
    else if (bridges(first - 1, first - 2) && NUMBERED.test(lines[first].slice(column).trim())) first -= 2;
    else break;
  }
  let last = at;
  for (;;) {
    if (inBlock(last + 1)) last += 1;
    else if (bridges(last + 1, last + 2)) last += 2;
    else break;
  }
  const entries: { text: string; more: string[]; selected: boolean }[] = [];
  for (let i = first; i <= last; i += 1) {
    if (i === at) entries.push({ text: match[3], more: [], selected: true });
    else if (RULE.test(lines[i])) continue;
    else if (aligned(lines[i])) entries.push({ text: lines[i].trim(), more: [], selected: false });
    else if (entries.length > 0) entries[entries.length - 1].more.push(lines[i].trim());
  }
  if (NUMBERED.test(match[3])) {
    // A numbered dialog's options are its numbered lines: an aligned line after them is its footer (Codex's "Press enter to confirm or esc to cancel").
    while (entries.length > 0 && !NUMBERED.test(entries[entries.length - 1].text)) entries.pop();
  }
  if (entries.length < 2) return undefined;
  const numbered = entries.every((entry) => NUMBERED.test(entry.text));
  const options = entries.map((entry): DialogOption => {
    const number = numbered ? NUMBERED.exec(entry.text) : null;
    const option: DialogOption = number ? { label: number[2], number: Number(number[1]), selected: entry.selected } : { label: entry.text, selected: entry.selected };
    if (entry.more.length > 0) option.description = entry.more.join(' ');
    return option;
  });
  if (numbered && options.some((option, index) => option.number !== index + 1)) return undefined;
  const dialog: Dialog = { options, selected: options.findIndex((option) => option.selected) };
  const question = questionAbove(lines, first);
  if (question) dialog.question = question;
  return dialog;
}

const BOX_EDGE = /^\s*[╭╰][─]+[╮╯]\s*$/;
const BOX_LEFT = /^(\s*│ ?)+/;
const BOX_RIGHT = /( ?│)+\s*$/;
const OTHER_MARK = /^(\s*)[●›](?=[ \u00a0]+\d{1,2}\.\s)/;

/** A line with a box's borders made blank (the columns kept), and another CLI's selection mark made "❯". */
function unboxed(line: string): string {
  if (BOX_EDGE.test(line)) return '';
  const left = BOX_LEFT.exec(line);
  const inner = left ? ' '.repeat(left[0].length) + line.slice(left[0].length).replace(BOX_RIGHT, '') : line;
  return inner.replace(OTHER_MARK, '$1❯');
}

/**
 * A "❯" line right under a rule: Claude Code's input box ("❯" and a no-break space), unless it is a
 * numbered option after a plain space (a question's "❯ 6. Chat about this" under its rule).
 */
function isInputBox(lines: string[], at: number): boolean {
  return at > 0 && RULE.test(lines[at - 1]) && !/^\s*❯ \d{1,2}\.\s/.test(lines[at]);
}

/** The lines a dialog shows above its options, up to the rule that opens it (at most QUESTION_LINES, nearest kept). */
function questionAbove(lines: readonly string[], first: number): string | undefined {
  const kept: string[] = [];
  for (let i = first - 1; i >= 0 && first - i <= 3 * QUESTION_LINES; i -= 1) {
    const line = lines[i].trim();
    if (RULE.test(line) || line.startsWith('❯')) break;
    if (line === '' || DASHES.test(line) || /^Tip:/.test(line)) continue;
    kept.unshift(line.replace(/^[☐☒✔]\s+/, ''));
    if (kept.length === QUESTION_LINES) break;
  }
  return kept.length > 0 ? kept.join('\n') : undefined;
}

/** Lower case, one space, straight quotes: "Don’t  ask" and "don't ask" are the same words. */
const normalize = (text: string) => text.toLowerCase().replace(/[‘’]/g, "'").replace(/[“”]/g, '"').replace(/\s+/g, ' ').trim();

/**
 * The option named `label`: by its label exactly, then ignoring case, spacing and curly quotes,
 * then with its description ("Red Warm and loud"), then by its number given as text. -1: none.
 */
export function findOption(dialog: Dialog, label: string): number {
  const wanted = normalize(label);
  const tries: ((option: DialogOption) => boolean)[] = [
    (option) => option.label === label,
    (option) => normalize(option.label) === wanted,
    (option) => option.description !== undefined && normalize(`${option.label} ${option.description}`) === wanted,
    (option) => /^\d+$/.test(label.trim()) && option.number === Number(label.trim()),
  ];
  for (const matches of tries) {
    const index = dialog.options.findIndex(matches);
    if (index >= 0) return index;
  }
  return -1;
}

/** The arrow key that moves the selection one step toward `index`; undefined once it is there. */
export function stepToward(dialog: Dialog, index: number): 'Up' | 'Down' | undefined {
  if (!Number.isInteger(index) || index < 0 || index >= dialog.options.length) {
    throw new RangeError(`There are ${dialog.options.length} options; ${index} is not one of them.`);
  }
  return index === dialog.selected ? undefined : index > dialog.selected ? 'Down' : 'Up';
}

/** Whether two readings show the same dialog (the same options in the same order), wherever its selection is. */
export function sameDialog(a: Dialog, b: Dialog): boolean {
  return a.options.length === b.options.length && a.options.every((option, i) => option.label === b.options[i].label && option.number === b.options[i].number);
}

/** An option that refuses what the dialog asks ("No", "No, exit"). */
export const isRefusal = (option: Pick<DialogOption, 'label'>): boolean => /^no\b/i.test(option.label.trim());
