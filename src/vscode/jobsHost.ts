/**
 * Hosts the scheduled jobs of `.instar/jobs.json`: jobs spawn agents, so they start only in a
 * trusted workspace folder (at activation, or when trust is granted), and only in the window
 * that leads the workspace, so each firing runs once however many windows are open (another
 * window takes over when it closes). Problems in the file show as a warning each time they change.
 */
import * as vscode from 'vscode';
import { JobScheduler } from '../core/jobs/jobScheduler';
import { watchJobsFile } from '../core/jobs/jobsWatcher';
import type { WorkspaceLeader } from '../core/lead/workspaceLeader';
import type { SessionEngine } from '../core/sessions/sessionEngine';
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
  private readonly started = new vscode.EventEmitter<JobScheduler>();
  /** Fires once, when the scheduler has loaded the jobs file and is about to start. */
  readonly onDidStart = this.started.event;
  private current: JobScheduler | undefined;

  constructor(
    private readonly engine: SessionEngine,
    private readonly gate: WorkspaceGate,
    private readonly leader: WorkspaceLeader,
    private readonly options: JobsHostOptions,
  ) {
    this.store.add(this.started);
    this.store.add(gate.onDidGrantTrust(() => void this.start()));
    this.store.add(leader.onDidChange(() => void this.start()));
  }

  /** The scheduler, once the jobs run here. */
  get scheduler(): JobScheduler | undefined {
    return this.current;
  }

  /** Starts the jobs if the workspace allows them, this window leads, and they are not running yet. */
  async start(): Promise<void> {
    const folder = this.gate.trustedFolder();
    if (this.current || !folder || !this.leader.leading) return;
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
      this.started.fire(scheduler);
      await scheduler.start();
    } catch (error) {
      logger.error(`Jobs: ${(error as Error).message}`);
    }
  }

  dispose(): void {
    this.store.dispose();
  }
}
