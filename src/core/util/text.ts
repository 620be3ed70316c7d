/** Pure helpers for terminal text. */

// CSI, OSC (ended by BEL or ST), and two-character escapes.
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

const SGR = /\x1b\[[0-9;:]*m/g;
const RESET = /^\x1b\[0*m$/;

/**
 * The last `count` lines of `text`, after dropping the blank lines at its end. tmux carries
 * colours from line to line in `capture-pane -e` output, so the colour sequences of the dropped
 * lines (since the last reset) are replayed in front of the first line kept.
 */
export function lastLines(text: string, count: number): string {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  while (lines.length > 0 && stripAnsi(lines[lines.length - 1]).trim() === '') lines.pop();
  const start = Math.max(0, lines.length - count);
  const kept = lines.slice(start);
  if (start > 0 && kept.length > 0) {
    let carried: string[] = [];
    for (const sequence of lines.slice(0, start).join('\n').match(SGR) ?? []) {
      if (RESET.test(sequence)) carried = [];
      else carried.push(sequence);
    }
    if (carried.length > 0) kept[0] = carried.join('') + kept[0];
  }
  return kept.join('\n');
}

/** Drops the spaces a full-width terminal line is padded with. */
export function trimLineEnds(text: string): string {
  return text.replace(/[ \t]+$/gm, '');
}

/**
 * "Unknown field "a"", "Unknown fields "a", "b" (and 3 more)": what a request gave that it does not
 * take, each name quoted and cut at 40 characters, at most five named.
 */
export function unknownNames(what: string, unknown: readonly string[]): string {
  const named = unknown.slice(0, 5).map((key) => JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key)).join(', ');
  return `Unknown ${what}${unknown.length === 1 ? '' : 's'} ${named}${unknown.length > 5 ? ` (and ${unknown.length - 5} more)` : ''}`;
}
