/** What the extension exports: used by its tests inside VS Code and by other extensions. */
import type * as vscode from 'vscode';
import type { SessionEngine } from '../core/sessions/sessionEngine';
import type { CommandFailure } from './commands';
import type { SessionTerminals } from './terminals/sessionTerminals';
import type { SessionNode, SessionTreeProvider } from './views/sessionTree';
import type { Refusal } from './workspaceGate';

/**
 * Activation returns this object at once; `ready` resolves once the rest of the extension has
 * loaded and its engine has read its events and reconciled with tmux. The other members are
 * there from then on.
 */
export interface InstarApi {
  engine: SessionEngine;
  ready: Promise<void>;
  tree: SessionTreeProvider;
  view: vscode.TreeView<SessionNode>;
  terminals: SessionTerminals;
  /** Each QuickPick the extension shows, once shown. */
  onDidShowQuickPick: vscode.Event<vscode.QuickPick<vscode.QuickPickItem>>;
  /** Spawns the workspace gate refused. */
  onDidRefuseSpawn: vscode.Event<Refusal>;
  /** Commands that failed (logged and shown to the user). */
  onDidFailCommand: vscode.Event<CommandFailure>;
  /** ms from the start of activation until the rest of the extension was loaded and wired, and of that its require. */
  loading: { loadedMs: number; requireMs: number };
}
