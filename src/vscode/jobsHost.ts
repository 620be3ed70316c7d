/**
 * Hosts the scheduled jobs of `.instar/jobs.json`: jobs spawn agents, so they start only in a
 * trusted workspace folder (at activation, or when trust is granted). Every window shows them;
 * they run only in the window that leads the workspace, so each firing runs once however many
 * windows are open (another window takes over when it closes). Problems in the file show as a
 * warning each time they change.
 */
import * as vscode from 'vscode';
import { JobScheduler } from '../core/jobs/jobScheduler';
import { watchJobsFile } from '../core/jobs/jobsWatcher';
import type { WorkspaceLeader } from '../core/lead/workspaceLeader';
import type { SessionEngine } from '../core/sessions/sessionEngine';
import { coalesce } from '../core/util/coalesce';
import { DisposableStore } from '../core/util/disposables';
import { systemClock, type Logger, type Storage } from '../core/util/host';
import type { WorkspaceGate } from './workspaceGate';

export interface JobsHostOptions {
  storage: Storage;
  logger: Logger;
  /** Read when the scheduler starts. */
  runMissed: () => boolean;
}

export class JobsHost implements vscode.Disposable {
  private readonly store = new DisposableStore();
  private readonly loaded = new vscode.EventEmitter<JobScheduler>();
  /** Fires once, when the scheduler has loaded the jobs file. */
  readonly onDidLoad = this.loaded.event;
  private current: JobScheduler | undefined;

  constructor(
    private readonly engine: SessionEngine,
    private readonly gate: WorkspaceGate,
    private readonly leader: WorkspaceLeader,
    private readonly options: JobsHostOptions,
  ) {
    this.store.add(this.loaded);
    this.store.add(gate.onDidGrantTrust(() => void this.start()));
    this.store.add(leader.onDidChange(() => void this.start()));
  }

  /** The scheduler, once the jobs are loaded (running them only where this window leads). */
  get scheduler(): JobScheduler | undefined {
    return this.current;
  }

  /**
   * Loads the jobs if the workspace allows them (every window shows them), and runs them where
   * this window leads. Calls while one runs make it run once more (never two schedulers).
   */
  readonly start: () => Promise<void> = coalesce(() => this.startOnce());

  private async startOnce(): Promise<void> {
    const folder = this.gate.trustedFolder();
    if (!folder) return;
    if (!this.current) await this.load(folder);
    const scheduler = this.current;
    if (!scheduler || scheduler.isRunning || !this.leader.leading) return;
    try {
      await scheduler.start();
    } catch (error) {
      this.options.logger.error(`Jobs: ${(error as Error).message}`);
    }
  }

  private async load(folder: string): Promise<void> {
    const { storage, logger } = this.options;
    const scheduler = this.store.add(new JobScheduler(this.engine, { cwd: folder, storage, clock: systemClock, logger, runMissed: this.options.runMissed() }));
    this.current = scheduler;
    let shown = '';
    this.store.add(
      scheduler.onDidChange(() => {
        const problems = scheduler.problems.join('\n');
        if (problems && problems !== shown) void vscode.window.showWarningMessage(`.instar/jobs.json: ${scheduler.problems[0]}${scheduler.problems.length > 1 ? ` (and ${scheduler.problems.length - 1} more; see the Jobs group)` : ''}`);
        shown = problems;
      }),
    );
    try {
      this.store.add(await watchJobsFile(folder, scheduler));
      this.loaded.fire(scheduler);
    } catch (error) {
      logger.error(`Jobs: ${(error as Error).message}`);
    }
  }

  dispose(): void {
    this.store.dispose();
  }
}
