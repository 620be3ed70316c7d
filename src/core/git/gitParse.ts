/**
 * Pure parsers of git's machine-readable outputs. Each reads the NUL-separated (-z) form, so
 * any path survives, and passes over what it does not know: blank fields, the CR and LF of a
 * line-based output pasted in between, garbage.
 */

/** A commit id: 40 hex digits (SHA-1) or 64 (SHA-256). */
const COMMIT_ID = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/** A field without the line breaks that a CRLF or LF line-based output leaves around it. */
const clean = (field: string): string => field.replace(/^[\r\n]+|[\r\n]+$/g, '');

// ---- git worktree list --porcelain [-z] ----

export interface WorktreeEntry {
  path: string;
  /** The checked-out commit; undefined in a bare repository's entry. */
  head?: string;
  /** The branch's short name ("main", "instar/fix"); undefined when detached or bare. */
  branch?: string;
  detached: boolean;
  bare: boolean;
  locked: boolean;
  /** Git would remove this entry in a prune (its folder is gone). */
  prunable: boolean;
}

/** `git worktree list --porcelain`, with -z (fields end in NUL) or without (one field a line). */
export function parseWorktreeList(output: string): WorktreeEntry[] {
  const nulSeparated = output.includes('\0');
  const fields = nulSeparated ? output.split('\0') : output.split('\n');
  const entries: WorktreeEntry[] = [];
  let current: WorktreeEntry | undefined;
  for (const raw of fields) {
    const field = nulSeparated ? clean(raw) : raw.replace(/\r$/, '');
    const space = field.indexOf(' ');
    const key = space < 0 ? field : field.slice(0, space);
    const value = space < 0 ? '' : field.slice(space + 1);
    if (key === 'worktree' && value !== '') {
      current = { path: value, detached: false, bare: false, locked: false, prunable: false };
      entries.push(current);
    } else if (field === '') {
      current = undefined;
    } else if (current) {
      if (key === 'HEAD' && COMMIT_ID.test(value)) current.head = value;
      else if (key === 'branch' && value.startsWith('refs/heads/')) current.branch = value.slice('refs/heads/'.length);
      else if (key === 'detached') current.detached = true;
      else if (key === 'bare') current.bare = true;
      else if (key === 'locked') current.locked = true;
      else if (key === 'prunable') current.prunable = true;
    }
  }
  return entries;
}

// ---- git diff -z --raw and/or --numstat ----

/** One file of `git diff --raw -z`. */
export interface RawDiffEntry {
  /** A added, C copied, D deleted, M modified, R renamed, T type changed, U unmerged. */
  status: string;
  path: string;
  /** The path before a rename or copy. */
  oldPath?: string;
  oldMode: string;
  newMode: string;
}

/** One file of `git diff --numstat -z`; the counts are undefined for a binary file ("-\t-"). */
export interface NumstatEntry {
  path: string;
  oldPath?: string;
  added?: number;
  removed?: number;
  binary: boolean;
}

const RAW_HEADER = /^:(\d{6}) (\d{6}) [0-9a-f]+ [0-9a-f]+ ([A-Z])\d*$/;
const NUMSTAT_HEADER = /^(\d+|-)\t(\d+|-)\t([\s\S]*)$/;

/**
 * `git diff -z` with --raw, --numstat or both (raw records come first). A rename is
 * `:… R086\0old\0new\0` in raw and `a\tr\t\0old\0new\0` in numstat.
 */
export function parseDiff(output: string): { raw: RawDiffEntry[]; numstat: NumstatEntry[] } {
  const fields = output.split('\0');
  const raw: RawDiffEntry[] = [];
  const numstat: NumstatEntry[] = [];
  let i = 0;
  while (i < fields.length) {
    const field = clean(fields[i]);
    const rawMatch = RAW_HEADER.exec(field);
    const numMatch = rawMatch ? null : NUMSTAT_HEADER.exec(field);
    if (rawMatch) {
      const [, oldMode, newMode, status] = rawMatch;
      const twoPaths = status === 'R' || status === 'C';
      const paths = fields.slice(i + 1, i + (twoPaths ? 3 : 2));
      if (paths.length < (twoPaths ? 2 : 1) || paths.some((path) => path === '')) break;
      raw.push(twoPaths ? { status, path: paths[1], oldPath: paths[0], oldMode, newMode } : { status, path: paths[0], oldMode, newMode });
      i += twoPaths ? 3 : 2;
    } else if (numMatch) {
      const [, added, removed, path] = numMatch;
      const binary = added === '-' && removed === '-';
      const counts = binary ? { binary } : { added: Number(added), removed: Number(removed), binary };
      if (path !== '') {
        numstat.push({ path, ...counts });
        i += 1;
      } else {
        if (i + 2 >= fields.length || fields[i + 1] === '' || fields[i + 2] === '') break;
        numstat.push({ path: fields[i + 2], oldPath: fields[i + 1], ...counts });
        i += 3;
      }
    } else {
      i += 1;
    }
  }
  return { raw, numstat };
}

// ---- git status --porcelain=v1 -z [--branch] ----

export interface StatusEntry {
  /** The index column of XY: ' ', M, T, A, D, R, C, U, ? or !. */
  index: string;
  /** The work-tree column of XY. */
  worktree: string;
  path: string;
  oldPath?: string;
}

export interface StatusSummary {
  /** From the "## …" header of --branch: the branch checked out, undefined when detached or without the header. */
  branch?: string;
  detached: boolean;
  /** The branch has no commit yet. */
  noCommits: boolean;
  entries: StatusEntry[];
}

const STATUS_ENTRY = /^([ MTADRCU?!])([ MTADRCU?!]) ([\s\S]+)$/;

/** `git status --porcelain=v1 -z`; a rename or copy is `R  new\0old\0`. */
export function parseStatus(output: string): StatusSummary {
  const fields = output.split('\0');
  const summary: StatusSummary = { detached: false, noCommits: false, entries: [] };
  for (let i = 0; i < fields.length; i += 1) {
    const field = clean(fields[i]);
    if (field.startsWith('## ')) {
      Object.assign(summary, parseBranchHeader(field.slice(3)));
      continue;
    }
    const match = STATUS_ENTRY.exec(field);
    if (!match) continue;
    const [, index, worktree, path] = match;
    if (index === 'R' || index === 'C' || worktree === 'R' || worktree === 'C') {
      if (i + 1 >= fields.length || fields[i + 1] === '') continue;
      summary.entries.push({ index, worktree, path, oldPath: fields[i + 1] });
      i += 1;
    } else {
      summary.entries.push({ index, worktree, path });
    }
  }
  return summary;
}

/** "main...origin/main [ahead 1]", "No commits yet on main", "HEAD (no branch)". */
function parseBranchHeader(header: string): Pick<StatusSummary, 'branch' | 'detached' | 'noCommits'> {
  const unborn = /^(?:No commits yet on|Initial commit on) (.+)$/.exec(header);
  if (unborn) return { branch: unborn[1], detached: false, noCommits: true };
  if (header === 'HEAD (no branch)') return { branch: undefined, detached: true, noCommits: false };
  // ".." cannot occur in a branch name, nor a space: the name ends at "..." or " [".
  return { branch: header.split('...')[0].split(' ')[0], detached: false, noCommits: false };
}

// ---- git log -z --format=LOG_FORMAT ----

export interface LogEntry {
  commit: string;
  author: string;
  /** Author time, in ms since the epoch. */
  time: number;
  subject: string;
}

const UNIT = '\x1f';
/** Commit, author name, author time (s) and subject, separated by US (0x1f); with -z, commits end in NUL. */
export const LOG_FORMAT = ['%H', '%an', '%at', '%s'].join('%x1f');
/** The log arguments that `parseLog` reads. */
export const LOG_ARGS = ['-z', `--format=${LOG_FORMAT}`] as const;

export function parseLog(output: string): LogEntry[] {
  const entries: LogEntry[] = [];
  for (const record of output.split('\0')) {
    const [commit, author, time, ...subject] = clean(record).split(UNIT);
    if (!COMMIT_ID.test(commit ?? '') || subject.length === 0 || !/^\d+$/.test(time)) continue;
    entries.push({ commit, author, time: Number(time) * 1000, subject: subject.join(UNIT) });
  }
  return entries;
}
