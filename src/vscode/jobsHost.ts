/**
 * Hosts the scheduled jobs of `.instar/jobs.json`: jobs spawn agents, so they start only in a
 * trusted workspace folder (at activation, or when trust is granted). Every window shows them;
 * they run only in the window that leads the workspace, so each firing runs once however many
 * windows are open (another window takes over when it closes). Problems in the file show as a
 * warning each time they change.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { JOBS_STATE_KEY, JobScheduler } from '../core/jobs/jobScheduler';
import { JOBS_STATE_FILE, watchJobsFile, watchJobsState } from '../core/jobs/jobsWatcher';
import type { WorkspaceLeader } from '../core/lead/workspaceLeader';
import type { SessionEngine } from '../core/sessions/sessionEngine';
import { coalesce } from '../core/util/coalesce';
import { DisposableStore } from '../core/util/disposables';
import { FileStorage } from '../core/util/fileStorage';
import { systemClock, type Logger, type Storage } from '../core/util/host';
import type { WorkspaceGate } from './workspaceGate';

export interface JobsHostOptions {
  /** This window's storage: the jobs' state it kept before it was shared (taken over once). */
  storage: Storage;
  /** The workspace's state folder: the jobs' state every host shares (jobs-state.json). */
  stateDir: string;
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
    this.store.add(
      leader.onDidChange((leading) => {
        // The lead went (to the keeper): its jobs run there, and only there.
        if (!leading) this.current?.stop();
        else void this.start();
      }),
    );
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
    const { logger, stateDir } = this.options;
    const storage = FileStorage.open(path.join(stateDir, JOBS_STATE_FILE), { shared: true });
    // What this window kept before the state was shared (a job disabled here) is not lost.
    const kept = this.options.storage.get(JOBS_STATE_KEY);
    if (storage.get(JOBS_STATE_KEY) === undefined && kept !== undefined) await storage.update(JOBS_STATE_KEY, kept);
    const scheduler = this.store.add(new JobScheduler(this.engine, { cwd: folder, storage, clock: systemClock, logger, runMissed: this.options.runMissed() }));
    this.store.add(watchJobsState(stateDir, scheduler));
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
      // Each folder's jobs (a multi-root workspace's), the first one's first.
      for (const each of [folder, ...this.gate.trustedFolders().filter((other) => other !== folder)]) this.store.add(await watchJobsFile(each, scheduler));
      this.loaded.fire(scheduler);
    } catch (error) {
      logger.error(`Jobs: ${(error as Error).message}`);
    }
  }

  dispose(): void {
    this.store.dispose();
  }
}
