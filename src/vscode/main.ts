/**
 * The extension past its activation: builds its objects, connects them and registers their
 * disposables. Loaded (dist/main.js) right after activate() returned; what VS Code needs at
 * activation (the view, the commands, the document schemes) is registered by extension.ts and
 * answered from here.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { noteWorkspace, stateFolderFor } from '../core/lead/workspaceDirectory';
import { leadSecret, WorkspaceLeader } from '../core/lead/workspaceLeader';
import { SessionEngine } from '../core/sessions/sessionEngine';
import { DisposableStore } from '../core/util/disposables';
import { ApiService } from './apiService';
import { ChatTools } from './chatTools';
import { AwayNotice } from './awayNotice';
import { BackgroundKeeper } from './backgroundKeeper';
import { CommandHandlers } from './commands';
import type { CommandId } from './commands/commandIds';
import { EnvironmentCheck } from './environmentCheck';
import type { InstarApi } from './instarApi';
import { JobsHost } from './jobsHost';
import { OtherWorkspaces } from './otherWorkspaces';
import { LostSessions } from './lostSessions';
import { sharedStateDir } from './stateFolder';
import { offerSkill } from './commands/skill';
import { channelLogger } from './logger';
import { OUTPUT_SCHEME, OutputDocuments } from './outputDocuments';
import { CONVERSATION_SCHEME, ConversationDocuments } from './conversationDocuments';
import { GIT_SCHEME, GitDocuments } from './gitDocuments';
import { QuickPicker } from './pickers/quickPicker';
import { RemoteNotifications } from './remoteNotifications';
import { RefreshController } from './refreshController';
import { SessionNotifications } from './sessionNotifications';
import { SessionStatusBar } from './sessionStatusBar';
import { engineSettings, SettingsWatcher } from './settings';
import { SessionTerminals } from './terminals/sessionTerminals';
import { SessionNode, SessionTreeProvider } from './views/sessionTree';
import { SelectionContext } from './views/selectionContext';
import { WaitingBadge } from './views/waitingBadge';
import { markStepDone, openOnFirstStart, WalkthroughProgress } from './walkthrough';
import { WorkspaceGate } from './workspaceGate';

/** What extension.ts registered at activation, for this part to answer. */
export interface Shell {
  view: vscode.TreeView<SessionNode>;
  /** When activate() began (Date.now()). */
  activatedAt: number;
  /** How long the require of this part took, in ms. */
  requireMs: number;
}

/** What this part gives back to the registrations made at activation. */
export interface Started {
  api: InstarApi;
  tree: SessionTreeProvider;
  /** The providers of the document schemes, by scheme. */
  documents: Record<string, vscode.TextDocumentContentProvider>;
  /** Runs a contributed command (errors are logged and shown, never thrown). */
  runCommand(id: CommandId, args: unknown[]): Promise<unknown>;
}

export function startExtension(context: vscode.ExtensionContext, shell: Shell): Started {
  const { activatedAt, view } = shell;
  const store = new DisposableStore();
  context.subscriptions.push(store);
  const channel = store.add(vscode.window.createOutputChannel('Instar Sessions', { log: true }));
  const logger = channelLogger(channel);
  const settings = store.add(new SettingsWatcher());
  const ownStorage = (context.storageUri ?? context.globalStorageUri).fsPath;
  // The workspace's state folder as its first window (or the keeper) noted it: another host of the
  // same folder may get another storage folder from VS Code (code-server on another port).
  const workspaceFolder = vscode.workspace.workspaceFolders?.[0];
  const folderPath = workspaceFolder?.uri.scheme === 'file' ? workspaceFolder.uri.fsPath : undefined;
  const { stateDir, workspaceKey } = stateFolderFor(folderPath, context.storageUri ? sharedStateDir(ownStorage) : ownStorage);
  // Opened with the stored records only: it starts (events, tmux) off the activation path, below.
  // The instar command on every agent's PATH runs with this host's own runtime (Node, or Electron as Node).
  const cli = { runtime: process.execPath, script: context.asAbsolutePath('dist/cli.js') };
  const skillSource = context.asAbsolutePath('media/skills/instar-session/SKILL.md');
  const engine = store.add(SessionEngine.open({ stateDir, workspaceKey, workspaceLabel: folderPath && path.basename(folderPath), storage: context.workspaceState, ...engineSettings(settings.value), socket: settings.value.socket, logger, cli }));
  const gate = store.add(new WorkspaceGate());
  const leader = store.add(new WorkspaceLeader({ workspace: engine.workspaceKey, logger }));
  // The workspace's leader tells the other workspaces on the tmux server how its sessions are.
  store.add(leader.onDidChange(() => engine.setLeading(leader.leading)));
  const environment = new EnvironmentCheck(engine, logger);
  const configureEngine = () => engine.configure(engineSettings(settings.value, api.agentEnv));
  const api = store.add(new ApiService(engine, gate, settings, leader, {
    secrets: context.secrets,
    version: String(context.extension.packageJSON.version),
    logger,
    onEnvironment: configureEngine,
    // Offered once per workspace (not where notifications are off).
    onListening: (folder) => {
      if (settings.value.notifications !== 'off') void offerSkill(skillSource, folder, context.workspaceState).catch((error: Error) => logger.warn(`Could not offer the skill: ${error.message}`));
    },
  }));
  // At the top of the view: what keeps the API off its port until it is solved, and a spawn refused
  // for a limit (live sessions, depth of agents spawning agents) until one gets through again.
  let apiProblem: string | undefined;
  const showViewMessage = () => {
    const refusal = engine.spawnRefusal;
    const parts = [apiProblem === undefined ? undefined : `API: ${apiProblem}`, refusal && `${new Date(refusal.at).toLocaleTimeString()}: ${refusal.message}`];
    view.message = parts.filter(Boolean).join(' · ') || undefined;
  };
  store.add(api.onDidChangeProblem((problem) => {
    apiProblem = problem;
    showViewMessage();
  }));
  store.add(engine.onDidChangeSpawnRefusal(showViewMessage));
  store.add(settings.onDidChange(() => {
    configureEngine();
    void environment.check();
  }));

  const tree = store.add(new SessionTreeProvider(engine, context.workspaceState, logger));
  const outputs = store.add(new OutputDocuments(engine));
  const conversations = store.add(new ConversationDocuments(engine));
  const documents = { [OUTPUT_SCHEME]: outputs, [CONVERSATION_SCHEME]: conversations, [GIT_SCHEME]: new GitDocuments(engine) };
  const refresh = store.add(new RefreshController(engine, view, tree, outputs, logger));
  const terminals = store.add(new SessionTerminals(engine));
  const chatTools = (context.extension.packageJSON.contributes?.languageModelTools ?? []) as { name: string }[];
  store.add(
    new ChatTools(engine, gate, {
      names: chatTools.map((tool) => tool.name),
      script: context.asAbsolutePath('dist/mcp.js'),
      version: String(context.extension.packageJSON.version),
      logger,
      open: (name) => {
        const record = engine.get(name);
        if (record) terminals.show(record, true);
      },
    }),
  );
  // Its jobs are read when it checks, after the jobs host below is built.
  const keeper = store.add(new BackgroundKeeper(engine, gate, leader, settings, { stateDir, script: context.asAbsolutePath('dist/keeper.js'), logger, jobs: () => jobs.scheduler }));
  const statusBar = store.add(new SessionStatusBar(engine, () => keeper.summary()));
  const others = store.add(new OtherWorkspaces(engine, (sessions, folderOf) => tree.setOthers(sessions, folderOf), logger));
  store.add(new WaitingBadge(engine, view));
  const walkthrough = store.add(new WalkthroughProgress(engine));
  const selection = store.add(new SelectionContext(engine, view));
  const open = (name: string) => void vscode.commands.executeCommand('instar.openTerminal', name);
  store.add(new SessionNotifications(engine, { level: () => settings.value.notifications, focusedSession: () => terminals.activeSession(), open, showAll: () => void vscode.commands.executeCommand('instar.switchSession') }));

  store.add(new LostSessions(engine, gate, () => settings.value.resumeLost, logger, activatedAt));
  const jobs = store.add(new JobsHost(engine, gate, leader, { storage: context.workspaceState, stateDir, logger, runMissed: () => settings.value.runMissedJobs }));
  store.add(jobs.onDidLoad((scheduler) => {
    tree.setScheduler(scheduler);
    refresh.watchJobs(scheduler);
    // A job enabled is something to keep.
    store.add(scheduler.onDidChange(() => keeper.checkSoon()));
  }));
  // The view's description: who keeps the team, and the filter that narrows the list.
  const describeView = () => {
    const filter = tree.filterText;
    view.description = [keeper.summary() !== undefined ? vscode.l10n.t('kept in the background') : '', filter ? vscode.l10n.t('filter: {0}', filter) : ''].filter(Boolean).join(' · ') || undefined;
  };
  describeView();
  store.add(tree.onDidChangeFilter(describeView));
  store.add(keeper.onDidChange(() => {
    const kept = keeper.summary() !== undefined;
    describeView();
    void vscode.commands.executeCommand('setContext', 'instar.keeperLeads', kept);
    if (kept) markStepDone('keeper');
    statusBar.update();
  }));
  const notify = store.add(new RemoteNotifications(engine, gate, leader, settings, { stateDir, extensionId: context.extension.id, logger, jobNotify: (slug) => jobs.scheduler?.get(slug)?.definition.notify }));
  const away = store.add(new AwayNotice(engine, stateDir, logger, () => settings.value.notifications === 'off'));
  const picker = store.add(new QuickPicker());
  // Everything listens already: the engine's first changes (sessions ended or lost while away) reach them.
  const ready = engine.start().then(async () => {
    // The keeper asks for the lead with the workspace's secret; a window that leads hands it over.
    leader.setSecret(await leadSecret(stateDir));
    await leader.start();
    void api.update();
    void jobs.start();
    logger.info(`Instar Sessions active: ${engine.list().length} sessions known, tmux socket ${engine.socket || '(default)'}, ready ${Date.now() - activatedAt} ms after activation began`);
    const folder = gate.trustedFolder();
    // Where the keeper started by hand (instar keeper) finds this workspace's state.
    if (folder) void noteWorkspace({ folder, stateDir, workspaceKey: engine.workspaceKey }).catch((error: Error) => logger.debug(`Could not note the workspace's state folder: ${error.message}`));
    keeper.checkSoon();
    walkthrough.start();
    void openOnFirstStart(context.globalState).catch((error: Error) => logger.debug(`Could not open the walkthrough: ${error.message}`));
    void away.start().catch((error: Error) => logger.warn(`Could not say what happened while no window was open: ${error.message}`));
    if (stateDir !== ownStorage) logger.info(`State folder ${stateDir}, shared with the other windows of this workspace and its keeper (VS Code gave this host another storage folder, ${ownStorage}: a copy made while another host held the workspace's, or the same folder opened through another address)`);
  });
  ready.catch((error: Error) => logger.error(`Instar Sessions could not start: ${error.message}`));
  const commands = store.add(new CommandHandlers({ engine, tree, terminals, channel, api, picker, gate, environment, refresh, jobs: () => jobs.scheduler, settings: () => settings.value, selected: () => selection.selected, ready, skillSource, conversations, keeper, others, notify, stateDir }));
  // Not in this turn: the tmux probe forks this (large) process, 4 to 19 ms measured.
  setTimeout(() => void environment.check(), 0);
  const loadedMs = Date.now() - activatedAt;
  logger.debug(`Loaded ${loadedMs} ms after activation began (its require ${shell.requireMs} ms)`);
  const loading = { loadedMs, requireMs: shell.requireMs };
  const exported: InstarApi = { engine, ready, tree, view, terminals, onDidShowQuickPick: picker.onDidShow, onDidRefuseSpawn: gate.onDidRefuse, onDidFailCommand: commands.onDidFail, loading };
  return { api: exported, tree, documents, runCommand: (id, args) => commands.run(id, args) };
}
