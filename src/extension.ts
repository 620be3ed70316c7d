/** Builds the objects of the extension, connects them and registers their disposables. */
import * as vscode from 'vscode';
import { WorkspaceLeader } from './core/lead/workspaceLeader';
import { SessionEngine } from './core/sessions/sessionEngine';
import { DisposableStore } from './core/util/disposables';
import { ApiService } from './vscode/apiService';
import { RegisteredCommands } from './vscode/commands';
import { EnvironmentCheck } from './vscode/environmentCheck';
import type { InstarApi } from './vscode/instarApi';
import { JobsHost } from './vscode/jobsHost';
import { LostSessions } from './vscode/lostSessions';
import { sharedStateDir } from './vscode/stateFolder';
import { offerSkill } from './vscode/commands/skill';
import { channelLogger } from './vscode/logger';
import { OUTPUT_SCHEME, OutputDocuments } from './vscode/outputDocuments';
import { CONVERSATION_SCHEME, ConversationDocuments } from './vscode/conversationDocuments';
import { GIT_SCHEME, GitDocuments } from './vscode/gitDocuments';
import { QuickPicker } from './vscode/pickers/quickPicker';
import { RefreshController } from './vscode/refreshController';
import { SessionNotifications } from './vscode/sessionNotifications';
import { SessionStatusBar } from './vscode/sessionStatusBar';
import { engineSettings, SettingsWatcher } from './vscode/settings';
import { SessionTerminals } from './vscode/terminals/sessionTerminals';
import { SessionTreeProvider } from './vscode/views/sessionTree';
import { SelectionContext } from './vscode/views/selectionContext';
import { WaitingBadge } from './vscode/views/waitingBadge';
import { WorkspaceGate } from './vscode/workspaceGate';

export type { InstarApi };

export async function activate(context: vscode.ExtensionContext): Promise<InstarApi> {
  const activatedAt = Date.now();
  const store = new DisposableStore();
  context.subscriptions.push(store);
  const channel = store.add(vscode.window.createOutputChannel('Instar Sessions', { log: true }));
  const logger = channelLogger(channel);
  const settings = store.add(new SettingsWatcher());
  const ownStorage = (context.storageUri ?? context.globalStorageUri).fsPath;
  const stateDir = context.storageUri ? sharedStateDir(ownStorage) : ownStorage;
  // Opened with the stored records only: it starts (events, tmux) off the activation path, below.
  // The instar command on every agent's PATH runs with this host's own runtime (Node, or Electron as Node).
  const cli = { runtime: process.execPath, script: context.asAbsolutePath('dist/cli.js') };
  const skillSource = context.asAbsolutePath('media/skills/instar-session/SKILL.md');
  const engine = store.add(SessionEngine.open({ stateDir, storage: context.workspaceState, ...engineSettings(settings.value), socket: settings.value.socket, logger, cli }));
  const gate = store.add(new WorkspaceGate());
  const leader = store.add(new WorkspaceLeader({ workspace: engine.workspaceKey, logger }));
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
  store.add(settings.onDidChange(() => {
    configureEngine();
    void environment.check();
  }));

  const tree = store.add(new SessionTreeProvider(engine, context.workspaceState));
  const view = store.add(vscode.window.createTreeView('instar.sessions', { treeDataProvider: tree, showCollapseAll: false }));
  const outputs = store.add(new OutputDocuments(engine));
  store.add(vscode.workspace.registerTextDocumentContentProvider(OUTPUT_SCHEME, outputs));
  const conversations = store.add(new ConversationDocuments(engine));
  store.add(vscode.workspace.registerTextDocumentContentProvider(CONVERSATION_SCHEME, conversations));
  store.add(vscode.workspace.registerTextDocumentContentProvider(GIT_SCHEME, new GitDocuments(engine)));
  const refresh = store.add(new RefreshController(engine, view, tree, outputs));
  const terminals = store.add(new SessionTerminals(engine));
  store.add(new SessionStatusBar(engine));
  store.add(new WaitingBadge(engine, view));
  const selection = store.add(new SelectionContext(engine, view));
  const open = (name: string) => void vscode.commands.executeCommand('instar.openTerminal', name);
  store.add(new SessionNotifications(engine, { level: () => settings.value.notifications, focusedSession: () => terminals.activeSession(), open, showAll: () => void vscode.commands.executeCommand('instar.switchSession') }));

  store.add(new LostSessions(engine, gate, () => settings.value.resumeLost, logger, activatedAt));
  const jobs = store.add(new JobsHost(engine, gate, leader, { storage: context.workspaceState, logger, runMissed: () => settings.value.runMissedJobs }));
  store.add(jobs.onDidLoad((scheduler) => {
    tree.setScheduler(scheduler);
    refresh.watchJobs(scheduler);
  }));
  const picker = store.add(new QuickPicker());
  // Everything listens already: the engine's first changes (sessions ended or lost while away) reach them.
  const ready = engine.start().then(async () => {
    await leader.start();
    void api.update();
    void jobs.start();
    logger.info(`Instar Sessions active: ${engine.list().length} sessions known, tmux socket ${engine.socket || '(default)'}, ready ${Date.now() - activatedAt} ms after activation began`);
    if (stateDir !== ownStorage) logger.info(`State folder ${stateDir}, shared with the other windows of this workspace (this host's own storage, ${ownStorage}, is a copy VS Code made while another host held the workspace's)`);
  });
  ready.catch((error: Error) => logger.error(`Instar Sessions could not start: ${error.message}`));
  const commands = store.add(new RegisteredCommands({ engine, tree, terminals, channel, api, picker, gate, environment, refresh, jobs: () => jobs.scheduler, settings: () => settings.value, selected: () => selection.selected, ready, skillSource, conversations }));
  // After activation returns: the tmux probe forks this (large) process, 4 to 19 ms measured inside activate.
  setTimeout(() => void environment.check(), 0);
  return { engine, ready, tree, view, terminals, onDidShowQuickPick: picker.onDidShow, onDidRefuseSpawn: gate.onDidRefuse, onDidFailCommand: commands.onDidFail };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions; sessions keep running in tmux.
}
