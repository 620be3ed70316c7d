/**
 * What the Sessions view was last given to draw, row by row, against what the engine holds: a
 * session whose row shows another state, a session with no row, a row of a session that is
 * gone. Each disagreement is reported once it has lasted the grace period, so that the view
 * redraws it and the log says so. Kept apart from VS Code so that it runs in plain Node tests.
 */

/** Which rows a parent listed: the root (a flat list), or one state's group. */
export type RowParent = 'root' | string;

/** A session as the engine holds it: what its row must say, and the group it belongs in. */
export interface ExpectedRow {
  name: string;
  /** The parts of the row that must be true (its id, state, what it offers): compared as a whole. */
  truth: string;
  group: string;
}

export interface RowProblem {
  name: string;
  /** "shows Running while it is Idle", "has no row", "is gone but still has a row". */
  what: string;
  /** How long it has lasted, in ms. */
  ms: number;
  /** Whether redrawing its own row can mend it (else the list must be drawn again). */
  rowAlone: boolean;
}

export class DrawnRows {
  /** Each shown session's parent, as the last listing of that parent said. */
  private readonly listed = new Map<string, RowParent>();
  /** The groups listed since the root was last listed (those expanded: a collapsed one is not asked for). */
  private readonly listedGroups = new Set<string>();
  /** What each row was drawn with, and when. */
  private readonly drawn = new Map<string, string>();
  /** When each disagreement was first seen (by name), and what it was. */
  private readonly since = new Map<string, { at: number; what: string }>();

  constructor(private readonly describe: (truth: string) => string = (truth) => truth) {}

  /** The root was listed: in a flat list, these sessions; grouped, only groups (their rows come with each group). */
  listedRoot(names: readonly string[] | 'groups'): void {
    this.listed.clear();
    this.listedGroups.clear();
    if (names !== 'groups') for (const name of names) this.listed.set(name, 'root');
  }

  listedGroup(group: string, names: readonly string[]): void {
    for (const [name, parent] of this.listed) if (parent === group) this.listed.delete(name);
    for (const name of names) this.listed.set(name, group);
    this.listedGroups.add(group);
  }

  drew(name: string, truth: string): void {
    this.drawn.set(name, truth);
  }

  /** Where the row of `name` was last listed: the root, a group, or nowhere (undefined). */
  parentOf(name: string): RowParent | undefined {
    return this.listed.get(name);
  }

  /**
   * The disagreements between the rows and `expected` (every session the engine holds) that
   * have lasted `graceMs`. `grouped`: rows sit in their state's group, and only expanded groups
   * (those listed since the root) are expected to show theirs.
   */
  check(expected: readonly ExpectedRow[], grouped: boolean, now: number, graceMs: number): RowProblem[] {
    const seen = new Map<string, { what: string; rowAlone: boolean }>();
    const names = new Set<string>();
    for (const row of expected) {
      names.add(row.name);
      const parent = this.listed.get(row.name);
      const shown = parent !== undefined;
      const due = !grouped || this.listedGroups.has(row.group);
      const drawn = this.drawn.get(row.name);
      if (!shown) {
        if (due) seen.set(row.name, { what: 'has no row', rowAlone: false });
      } else if (grouped && parent !== row.group) {
        seen.set(row.name, { what: `is in the group of another state (${this.describe(drawn ?? '')}) while it is ${this.describe(row.truth)}`, rowAlone: false });
      } else if (drawn !== row.truth) {
        seen.set(row.name, { what: `shows ${this.describe(drawn ?? '')} while it is ${this.describe(row.truth)}`, rowAlone: !grouped });
      }
    }
    for (const name of this.listed.keys()) if (!names.has(name)) seen.set(name, { what: 'is gone but still has a row', rowAlone: false });

    for (const name of this.since.keys()) if (!seen.has(name)) this.since.delete(name);
    const problems: RowProblem[] = [];
    for (const [name, { what, rowAlone }] of seen) {
      const first = this.since.get(name);
      // A disagreement that changed (another state since) starts its own count.
      if (!first || first.what !== what) this.since.set(name, { at: now, what });
      const at = this.since.get(name)!.at;
      if (now - at >= graceMs) problems.push({ name, what, ms: now - at, rowAlone });
    }
    return problems;
  }

  /** Starts the count of a problem anew (it was just redrawn). */
  redrawn(name: string, now: number): void {
    const first = this.since.get(name);
    if (first) first.at = now;
  }

  /** A session that is gone: what it was drawn with goes; where it was listed stays until its parent is listed again (its row is still there until then). */
  forget(name: string): void {
    this.drawn.delete(name);
    this.since.delete(name);
  }
}
