/** Builds the objects of the extension, connects them and registers their disposables. */
import * as vscode from 'vscode';
import { isInstarError } from './core/util/errors';
import { SessionEngine } from './core/sessions/sessionEngine';
import { CommandContext, registerCommands } from './vscode/commands';
import { channelLogger } from './vscode/logger';
import { OUTPUT_SCHEME, OutputDocuments } from './vscode/outputDocuments';
import { SessionTerminals } from './vscode/sessionTerminal';
import { SessionNode, SessionTreeProvider } from './vscode/sessionTree';
import { engineSettings, SettingsWatcher } from './vscode/settings';
import { SessionSummary } from './vscode/statusBar';
import { ApiService } from './vscode/apiService';
import { JobScheduler } from './core/jobs/jobScheduler';
import { watchJobsFile } from './core/jobs/jobsWatcher';

/** What the extension exports: used by its integration tests and by other extensions. */
export interface InstarApi {
  engine: SessionEngine;
  tree: SessionTreeProvider;
  view: vscode.TreeView<SessionNode>;
  terminals: SessionTerminals;
}

export async function activate(context: vscode.ExtensionContext): Promise<InstarApi> {
  const subscriptions = context.subscriptions;
  const channel = vscode.window.createOutputChannel('Instar Sessions', { log: true });
  const logger = channelLogger(channel);
  const settings = new SettingsWatcher();
  subscriptions.push(channel, settings);

  const stateUri = context.storageUri ?? context.globalStorageUri;
  const engine = await SessionEngine.create({
    stateDir: stateUri.fsPath,
    storage: context.workspaceState,
    ...engineSettings(settings.value),
    socket: settings.value.socket,
    logger,
  });
  subscriptions.push({ dispose: () => engine.dispose() });
  const api = new ApiService(engine, context.secrets, String(context.extension.packageJSON.version), logger, () => engine.configure(engineSettings(settings.value, api.agentEnv)));
  subscriptions.push(api, settings.onDidChange((value) => {
    engine.configure(engineSettings(value, api.agentEnv));
    void api.update(value);
  }));
  subscriptions.push(vscode.workspace.onDidGrantWorkspaceTrust(() => void api.update(settings.value)));
  void api.update(settings.value);

  const tree = new SessionTreeProvider(engine, context.workspaceState);
  const view = vscode.window.createTreeView('instar.sessions', { treeDataProvider: tree, showCollapseAll: false });
  const terminals = new SessionTerminals(engine, logger);
  const outputs = new OutputDocuments(engine);
  const summary = new SessionSummary(
    engine,
    view,
    () => settings.value.notifications,
    () => terminals.activeSession(),
    (name) => void vscode.commands.executeCommand('instar.openTerminal', name),
  );
  subscriptions.push(tree, view, terminals, outputs, summary, vscode.workspace.registerTextDocumentContentProvider(OUTPUT_SCHEME, outputs));

  // The view's timer (ages in descriptions) and a faster engine check run only while it is visible.
  let ageTimer: NodeJS.Timeout | undefined;
  const onVisibility = (visible: boolean) => {
    engine.setMonitorInterval(visible ? 1000 : 2000);
    if (visible && !ageTimer) ageTimer = setInterval(() => tree.refresh(), 15_000);
    if (!visible && ageTimer) {
      clearInterval(ageTimer);
      ageTimer = undefined;
    }
  };
  onVisibility(view.visible);
  subscriptions.push(view.onDidChangeVisibility((event) => onVisibility(event.visible)), { dispose: () => ageTimer && clearInterval(ageTimer) });

  const checkEnvironment = async (): Promise<void> => {
    let tmuxMissing = false;
    let agentMissing = false;
    try {
      await engine.checkTmux();
    } catch (error) {
      tmuxMissing = isInstarError(error, 'tmux-missing') || isInstarError(error, 'tmux-too-old');
      logger.warn((error as Error).message);
    }
    try {
      await engine.checkAgent();
    } catch (error) {
      agentMissing = true;
      logger.warn((error as Error).message);
    }
    await vscode.commands.executeCommand('setContext', 'instar.tmuxMissing', tmuxMissing);
    await vscode.commands.executeCommand('setContext', 'instar.agentMissing', agentMissing);
  };
  subscriptions.push(settings.onDidChange(() => void checkEnvironment()));
  void checkEnvironment();

  const canSpawn = async (): Promise<boolean> => {
    if (!vscode.workspace.isTrusted) {
      // Not awaited: the command ends now, whatever the user does with the message.
      void vscode.window
        .showErrorMessage('Sessions cannot be spawned in an untrusted workspace: Claude Code agents run programs in this folder. Trust the workspace to spawn them.', 'Manage Workspace Trust')
        .then((choice) => choice && vscode.commands.executeCommand('workbench.trust.manage'));
      return false;
    }
    return true;
  };

  // Jobs spawn agents: only in a trusted workspace folder.
  let jobs: JobScheduler | undefined;
  const startJobs = async () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (jobs || !vscode.workspace.isTrusted || folder?.uri.scheme !== 'file') return;
    const scheduler = new JobScheduler(engine, { cwd: folder.uri.fsPath, storage: context.workspaceState, clock: { now: () => Date.now() }, logger, runMissed: settings.value.runMissedJobs });
    jobs = scheduler;
    subscriptions.push(scheduler);
    let shown = '';
    subscriptions.push(
      scheduler.onDidChange(() => {
        const problems = scheduler.problems.join('\n');
        if (problems && problems !== shown) void vscode.window.showWarningMessage(`.instar/jobs.json: ${scheduler.problems[0]}${scheduler.problems.length > 1 ? ` (and ${scheduler.problems.length - 1} more; see the Jobs group)` : ''}`);
        shown = problems;
      }),
    );
    subscriptions.push(await watchJobsFile(folder.uri.fsPath, scheduler));
    tree.setScheduler(scheduler);
    await scheduler.start();
  };
  subscriptions.push(vscode.workspace.onDidGrantWorkspaceTrust(() => void startJobs()));
  void startJobs().catch((error) => logger.error(`Jobs: ${(error as Error).message}`));

  const ctx: CommandContext = { engine, tree, terminals, channel, api, jobs: () => jobs, settings: () => settings.value, canSpawn, checkEnvironment };
  subscriptions.push(...registerCommands(ctx));
  logger.info(`Instar Sessions active: ${engine.list().length} sessions known, tmux socket ${engine.socket || '(default)'}`);
  return { engine, tree, view, terminals };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions; sessions keep running in tmux.
}
