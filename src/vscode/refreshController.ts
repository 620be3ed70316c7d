/**
 * The one owner of redraw timing on the VS Code side. Events first: engine and job changes
 * redraw the tree (the first at once, a burst coalesced over 50 ms; as little as shows each
 * change), re-read the output documents of changed sessions and close those of removed ones.
 * Timers only while someone looks: while the view is visible, the rows whose age reads
 * differently ("<1m" turning "1m", an idle limit's countdown in its last minute: the moment it
 * ticks over) or every 15 s for minutes and hours; the tmux sessions Instar did not start and the
 * worktrees kept from removed sessions every 15 s; twice a second, the check of the rows against
 * the engine (a row that disagreed for a second is redrawn, and logged); visible Show Output
 * documents every 2 s. A redraw that fails is logged and never stops the next. The engine checks
 * its sessions every second while the view is visible, every 2 s otherwise (less often while all
 * stays quiet).
 */
import * as vscode from 'vscode';
import type { JobScheduler } from '../core/jobs/jobScheduler';
import { msUntilDescriptionChanges, changesWithinTheMinute } from '../core/presentation/sessionPresentation';
import type { SessionEngine } from '../core/sessions/sessionEngine';
import type { Logger } from '../core/util/host';
import { DisposableStore, MutableDisposable, toDisposable, type Disposable } from '../core/util/disposables';
import type { OutputDocuments } from './outputDocuments';
import type { SessionTreeProvider } from './views/sessionTree';

const TREE_DEBOUNCE_MS = 50;
const COARSE_REDRAW_MS = 15_000;
const OUTPUT_REFRESH_MS = 2000;
const MONITOR_VISIBLE_MS = 1000;
const MONITOR_HIDDEN_MS = 2000;
/** How often the rows are checked against the engine (each redrawn once it disagreed for STALE_ROW_MS). */
const ROW_CHECK_MS = 500;

function every(ms: number, run: () => void): Disposable {
  const timer = setInterval(run, ms);
  return toDisposable(() => clearInterval(timer));
}

export class RefreshController implements vscode.Disposable {
  private readonly store = new DisposableStore();
  private readonly pendingTree = this.store.add(new MutableDisposable());
  private readonly ageTimer = this.store.add(new MutableDisposable());
  private readonly foreignTimer = this.store.add(new MutableDisposable());
  private readonly outputTimer = this.store.add(new MutableDisposable());
  private readonly rowCheckTimer = this.store.add(new MutableDisposable());
  private readonly jobsSubscription = this.store.add(new MutableDisposable());
  private lastTreeRedraw = 0;
  /** What the next redraw covers. */
  private pendingWhole = false;
  private pendingJobs = false;
  private readonly pendingChanged = new Set<string>();
  private readonly pendingRemoved = new Set<string>();

  constructor(
    private readonly engine: SessionEngine,
    private readonly view: vscode.TreeView<unknown>,
    private readonly tree: SessionTreeProvider,
    private readonly outputs: OutputDocuments,
    private readonly logger: Logger,
  ) {
    this.store.add(
      engine.onDidChange((change) => {
        this.refreshTreeSoon(change.changed.map((record) => record.name), change.removed);
        // A session removed with its worktree kept: its worktree shows in the Kept worktrees group.
        if (change.removed.length > 0) this.listKept();
        outputs.refreshSessions(change.changed.map((record) => record.name));
        void outputs.closeSessions(change.removed);
      }),
    );
    this.store.add(view.onDidChangeVisibility(() => this.followView()));
    this.store.add(vscode.window.onDidChangeVisibleTextEditors(() => this.followOutputs()));
    this.store.add(vscode.workspace.onDidCloseTextDocument(() => this.followOutputs()));
    this.followView();
    this.followOutputs();
    this.listKept();
  }

  /** Redraws the Jobs group when the jobs change. */
  watchJobs(scheduler: JobScheduler | undefined): void {
    this.jobsSubscription.value = scheduler?.onDidChange(() => {
      this.pendingJobs = true;
      this.refreshTreeSoon([]);
    });
  }

  /**
   * Redraws at once when the tree was not redrawn in the last TREE_DEBOUNCE_MS, else once at the
   * end of that window with everything that changed meanwhile (a burst costs one redraw, and the
   * first change of a burst is not delayed). Without names, the whole tree.
   */
  private refreshTreeSoon(changed?: readonly string[], removed: readonly string[] = []): void {
    if (changed === undefined) this.pendingWhole = true;
    else {
      for (const name of changed) this.pendingChanged.add(name);
      for (const name of removed) this.pendingRemoved.add(name);
    }
    if (this.pendingTree.value) return;
    const wait = this.lastTreeRedraw + TREE_DEBOUNCE_MS - Date.now();
    if (wait <= 0) {
      this.redrawTree();
      return;
    }
    const timer = setTimeout(() => {
      this.pendingTree.value = undefined;
      this.redrawTree();
    }, wait);
    this.pendingTree.value = toDisposable(() => clearTimeout(timer));
  }

  private redrawTree(): void {
    this.lastTreeRedraw = Date.now();
    const whole = this.pendingWhole;
    const jobs = this.pendingJobs;
    const changed = [...this.pendingChanged];
    const removed = [...this.pendingRemoved];
    this.pendingWhole = false;
    this.pendingJobs = false;
    this.pendingChanged.clear();
    this.pendingRemoved.clear();
    try {
      if (whole) this.tree.refresh();
      else {
        if (jobs) this.tree.refreshJobs();
        if (changed.length > 0 || removed.length > 0) this.tree.refreshSessions(changed, removed);
      }
    } catch (error) {
      // The next change redraws again; the row check catches what this one left wrong.
      this.logger.error(`The Sessions view could not be redrawn: ${(error as Error).message}`);
    }
    this.scheduleAgeRedraw();
    // One more list-panes only while someone can see its group.
    if (this.view.visible) this.listForeign();
  }

  private followView(): void {
    const visible = this.view.visible;
    this.engine.setMonitorInterval(visible ? MONITOR_VISIBLE_MS : MONITOR_HIDDEN_MS);
    this.scheduleAgeRedraw();
    this.rowCheckTimer.value = visible ? every(ROW_CHECK_MS, () => this.checkRows()) : undefined;
    if (!visible) this.foreignTimer.value = undefined;
    else if (!this.foreignTimer.value) {
      this.foreignTimer.value = every(COARSE_REDRAW_MS, () => {
        this.listForeign();
        this.listKept();
      });
      this.listForeign();
      this.listKept();
    }
  }

  /** Redraws the rows whose age ticked over: at the next tick of "<1m" or of a countdown in seconds, else in 15 s (one timer, re-armed). */
  private scheduleAgeRedraw(): void {
    if (!this.view.visible) {
      this.ageTimer.value = undefined;
      return;
    }
    const now = Date.now();
    let wait = COARSE_REDRAW_MS;
    for (const record of this.engine.list()) if (changesWithinTheMinute(record, now)) wait = Math.min(wait, msUntilDescriptionChanges(record, now));
    // A few ms late, so the new second has begun when the tree reads the clock.
    const timer = setTimeout(() => {
      this.ageTimer.value = undefined;
      try {
        this.tree.redrawStale();
      } finally {
        this.scheduleAgeRedraw();
      }
    }, wait + 5);
    this.ageTimer.value = toDisposable(() => clearTimeout(timer));
  }

  private checkRows(): void {
    try {
      this.tree.checkRows();
    } catch (error) {
      this.logger.error(`The Sessions view's rows could not be checked: ${(error as Error).message}`);
    }
  }

  /** Lists the tmux sessions Instar did not start, for their group in the tree (one list-panes). */
  listForeign(): void {
    this.engine.listTmuxSessions().then(
      (sessions) => this.tree.setForeign(sessions),
      () => this.tree.setForeign([]),
    );
  }

  /** Reads the worktrees kept from removed sessions (a small file of the state folder, which every window writes). */
  listKept(): void {
    this.engine.worktrees.kept().then(
      (kept) => this.tree.setKept(kept),
      (error: Error) => this.logger.debug(`Could not read the kept worktrees: ${error.message}`),
    );
  }

  private followOutputs(): void {
    if (!this.outputs.anyVisible) this.outputTimer.value = undefined;
    else if (!this.outputTimer.value) this.outputTimer.value = every(OUTPUT_REFRESH_MS, () => this.outputs.refreshVisible());
  }

  dispose(): void {
    this.store.dispose();
  }
}
