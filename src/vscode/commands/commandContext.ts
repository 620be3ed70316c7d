/** What every command handler gets: the objects it acts on. */
import type * as vscode from 'vscode';
import type { JobScheduler } from '../../core/jobs/jobScheduler';
import type { SessionEngine } from '../../core/sessions/sessionEngine';
import type { ApiService } from '../apiService';
import type { BackgroundKeeper } from '../backgroundKeeper';
import type { OtherWorkspaces } from '../otherWorkspaces';
import type { ConversationDocuments } from '../conversationDocuments';
import type { EnvironmentCheck } from '../environmentCheck';
import type { QuickPicker } from '../pickers/quickPicker';
import type { RefreshController } from '../refreshController';
import type { RemoteNotifications } from '../remoteNotifications';
import type { Settings } from '../settings';
import type { SessionTerminals } from '../terminals/sessionTerminals';
import type { SessionTreeProvider } from '../views/sessionTree';
import type { WorkspaceGate } from '../workspaceGate';

export interface CommandContext {
  engine: SessionEngine;
  tree: SessionTreeProvider;
  terminals: SessionTerminals;
  channel: vscode.LogOutputChannel;
  api: ApiService;
  picker: QuickPicker;
  /** Says where sessions may be spawned, and refuses (with the reason shown) where not. */
  gate: WorkspaceGate;
  environment: EnvironmentCheck;
  refresh: RefreshController;
  /** The job scheduler, when the workspace is trusted and has a folder. */
  jobs: () => JobScheduler | undefined;
  settings: () => Settings;
  /** Resolves when the engine has started (commands wait for it). */
  ready: Promise<void>;
  /** The shipped SKILL.md of the instar-session skill. */
  skillSource: string;
  /** The session selected in the Sessions view. */
  selected: () => string | undefined;
  /** The conversation documents (Show Conversation, search's matches). */
  conversations: ConversationDocuments;
  /** The background keeper of the workspace. */
  keeper: BackgroundKeeper;
  /** The other workspaces' live sessions on the tmux server, and their folders. */
  others: OtherWorkspaces;
  /** Notifications away from the editor (webhook, ntfy). */
  notify: RemoteNotifications;
  /** The workspace's state folder (shared with its other windows and its keeper). */
  stateDir: string;
}

/** A command's handler: the context, then the command's arguments. */
export type CommandHandler = (ctx: CommandContext, ...args: unknown[]) => unknown;
