/** Pure parsers of tmux output. */
import { FIELD_SEPARATOR, PANE_FIELDS } from './commands';
import type { PaneTags } from './sessionTags';

export interface PaneInfo {
  paneId: string;
  pid: number | undefined;
  dead: boolean;
  /** Exit status of a dead pane, when it exited normally. */
  deadStatus: number | undefined;
  /** Signal number of a dead pane, when a signal ended it. */
  deadSignal: number | undefined;
  /** Epoch ms at which the pane died. */
  deadAt: number | undefined;
  /** Epoch ms of the window's last output (tmux counts in whole seconds). */
  activityAt: number | undefined;
  createdAt: number | undefined;
  attachedClients: number;
  width: number | undefined;
  height: number | undefined;
  /** The session's tags, when Instar started it. */
  tags: PaneTags;
  sessionName: string;
}

const intOrUndefined = (text: string | undefined): number | undefined => {
  if (text === undefined || !/^-?\d+$/.test(text.trim())) return undefined;
  return Number.parseInt(text, 10);
};

const secondsToMs = (text: string | undefined): number | undefined => {
  const seconds = intOrUndefined(text);
  return seconds === undefined || seconds <= 0 ? undefined : seconds * 1000;
};

/**
 * Parses `list-panes -a -F` output of PANE_FIELDS. Lines that do not have every field
 * (blank lines, warnings, truncated output) are skipped. The session name is the last field
 * and may itself contain the separator.
 */
export function parseListPanes(stdout: string): PaneInfo[] {
  const panes: PaneInfo[] = [];
  const fieldCount = PANE_FIELDS.length;
  for (const rawLine of stdout.split('\n')) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    const parts = line.split(FIELD_SEPARATOR);
    if (parts.length < fieldCount) continue;
    const fields = [...parts.slice(0, fieldCount - 1), parts.slice(fieldCount - 1).join(FIELD_SEPARATOR)];
    const [paneId, pid, dead, deadStatus, deadSignal, deadTime, activity, created, attached, width, height, tagId, tagWorkspace, tagRun, tagState, sessionName] = fields;
    if (!/^%\d+$/.test(paneId)) continue;
    const isDead = dead === '1';
    panes.push({
      paneId,
      pid: intOrUndefined(pid),
      dead: isDead,
      deadStatus: isDead ? intOrUndefined(deadStatus) : undefined,
      deadSignal: isDead ? intOrUndefined(deadSignal) : undefined,
      deadAt: isDead ? secondsToMs(deadTime) : undefined,
      activityAt: secondsToMs(activity),
      createdAt: secondsToMs(created),
      attachedClients: intOrUndefined(attached) ?? 0,
      width: intOrUndefined(width),
      height: intOrUndefined(height),
      tags: { id: tagId || undefined, workspace: tagWorkspace || undefined, run: intOrUndefined(tagRun), state: tagState || undefined },
      sessionName,
    });
  }
  return panes;
}

/** What `display-message` with PANE_DETAILS tells of a pane, for adopting its session. */
export interface PaneDetails {
  paneId: string;
  pid: number | undefined;
  dead: boolean;
  /** The program in the foreground of the pane ("claude", "bash"…). */
  command: string;
  /** Its working directory. */
  path: string;
  /** The workspace whose Instar started it (its tag), if one did. */
  workspace: string | undefined;
}

export function parsePaneDetails(stdout: string): PaneDetails | undefined {
  const [paneId, pid, dead, command, workspace, ...path] = stdout.replace(/\r?\n$/, '').split(FIELD_SEPARATOR);
  if (!paneId || !/^%\d+$/.test(paneId) || path.length === 0) return undefined;
  return { paneId, pid: intOrUndefined(pid), dead: dead === '1', command: command ?? '', path: path.join(FIELD_SEPARATOR), workspace: workspace || undefined };
}

export interface TmuxVersion {
  major: number;
  minor: number;
  /** As printed, e.g. "3.3a", "next-3.5", "openbsd-7.4". */
  text: string;
}

/** Parses `tmux -V` ("tmux 3.3a", "tmux next-3.5", "tmux master"). */
export function parseVersion(stdout: string): TmuxVersion | undefined {
  const text = stdout.trim().replace(/^tmux\s+/, '');
  if (text === 'master') return { major: 99, minor: 0, text };
  const match = /(\d+)\.(\d+)/.exec(text);
  if (!match) return undefined;
  // OpenBSD's base tmux reports the OS version; all supported OpenBSD releases ship tmux 3.x.
  if (text.startsWith('openbsd-')) return { major: 3, minor: 0, text };
  return { major: Number(match[1]), minor: Number(match[2]), text };
}

/** The exit status a shell would report: the status, or 128 + signal. */
export function exitCodeOf(pane: Pick<PaneInfo, 'deadStatus' | 'deadSignal'>): number | null {
  if (pane.deadStatus !== undefined) return pane.deadStatus;
  if (pane.deadSignal !== undefined) return 128 + pane.deadSignal;
  return null;
}

/**
 * The captures of `capturePanes`, in order, each as one `capture-pane` alone would print it;
 * undefined when the output does not hold `count` of them (a call cut short).
 */
export function splitCaptures(stdout: string, separator: string, count: number): string[] | undefined {
  const parts = stdout.split(`${separator}\n`);
  // Each capture ends at its separator's line; nothing follows the last one.
  if (parts.length !== count + 1 || parts[count] !== '') return undefined;
  return parts.slice(0, count);
}
