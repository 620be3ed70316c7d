/**
 * The choices a dialog of Claude Code shows on screen, read by their shape rather than their
 * words: one option marked with "❯" and the others aligned under its text, numbered ("❯ 1. Yes")
 * or not ("❯ No, exit", from 2.1.260 on), with "✔" before the current value of a setting. The
 * input box (a "❯" line between two rules) is not a dialog. Choosing is done with arrow keys and
 * Enter, which every version takes, never with a blind "1".
 */

export interface DialogOption {
  /** The option's text, without its number. */
  label: string;
  /** Its number, in a numbered dialog. */
  number?: number;
  /** The "❯" is on it: Enter picks it. */
  selected: boolean;
}

export interface Dialog {
  options: DialogOption[];
  /** Index of the option under the "❯". */
  selected: number;
}

const SELECTED = /^(\s*)❯[ \u00a0]+(✔[ \u00a0]+)?(\S.*?)\s*$/;
const RULE = /^\s*[─━]{10,}\s*$/;
const NUMBERED = /^(\d{1,2})\.\s+(.*)$/;
/** How many lines from the bottom a dialog can sit in. */
const TAIL_LINES = 40;

/** The dialog on a screen (plain text), or undefined when none shows. */
export function parseDialog(screen: string): Dialog | undefined {
  const lines = screen.replace(/\r/g, '').split('\n');
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

  // The block: the lines around the "❯" that are options (aligned) or their wrapped ends (deeper).
  let first = at;
  while (first - 1 >= start && (aligned(lines[first - 1]) || deeper(lines[first - 1]))) first -= 1;
  let last = at;
  while (last + 1 < lines.length && (aligned(lines[last + 1]) || deeper(lines[last + 1]))) last += 1;
  const texts: { text: string; selected: boolean }[] = [];
  for (let i = first; i <= last; i += 1) {
    if (i === at) texts.push({ text: match[3], selected: true });
    else if (aligned(lines[i])) texts.push({ text: lines[i].trim(), selected: false });
    else if (texts.length > 0) texts[texts.length - 1].text += ` ${lines[i].trim()}`;
  }
  if (texts.length < 2) return undefined;
  const numbered = texts.every((entry) => NUMBERED.test(entry.text));
  const options = texts.map((entry): DialogOption => {
    const number = numbered ? NUMBERED.exec(entry.text) : null;
    return number ? { label: number[2], number: Number(number[1]), selected: entry.selected } : { label: entry.text, selected: entry.selected };
  });
  if (numbered && options.some((option, index) => option.number !== index + 1)) return undefined;
  return { options, selected: options.findIndex((option) => option.selected) };
}

/** A "❯" line right under a rule, with a rule below it: Claude Code's input box. */
function isInputBox(lines: string[], at: number): boolean {
  return at > 0 && RULE.test(lines[at - 1]);
}

/** The keys that move from the selected option to `index` and pick it. */
export function keysToChoose(dialog: Dialog, index: number): string[] {
  if (!Number.isInteger(index) || index < 0 || index >= dialog.options.length) {
    throw new RangeError(`There are ${dialog.options.length} options; ${index} is not one of them.`);
  }
  const steps = index - dialog.selected;
  return [...Array<string>(Math.abs(steps)).fill(steps > 0 ? 'Down' : 'Up'), 'Enter'];
}

/** The option whose label is `label` (exactly, then ignoring case and spacing), or its number as text. */
export function findOption(dialog: Dialog, label: string): number {
  const norm = (text: string) => text.toLowerCase().replace(/\s+/g, ' ').trim();
  let index = dialog.options.findIndex((option) => option.label === label);
  if (index < 0) index = dialog.options.findIndex((option) => norm(option.label) === norm(label));
  if (index < 0 && /^\d+$/.test(label.trim())) index = dialog.options.findIndex((option) => option.number === Number(label.trim()));
  return index;
}
