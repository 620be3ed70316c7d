/**
 * Notifications away from the editor (webhook, ntfy) from this window while it leads its
 * workspace, in a trusted workspace only; the keeper sends them when it leads. A notification's
 * link opens its session here (the URI handler: `<scheme>://instar.instar-sessions/open?session=…`).
 */
import * as vscode from 'vscode';
import type { NotifyKind } from '../core/model/notifyKind';
import type { ChannelResult } from '../core/notify/channels';
import { engineNotifier, notifyConfigOf, RemoteNotifier } from '../core/notify/notifier';
import type { WorkspaceLeader } from '../core/lead/workspaceLeader';
import type { SessionEngine } from '../core/sessions/sessionEngine';
import { DisposableStore } from '../core/util/disposables';
import type { Logger } from '../core/util/host';
import type { SettingsWatcher } from './settings';
import type { WorkspaceGate } from './workspaceGate';

export class RemoteNotifications implements vscode.Disposable {
  private readonly store = new DisposableStore();
  private readonly notifier: RemoteNotifier;

  constructor(
    engine: SessionEngine,
    gate: WorkspaceGate,
    leader: WorkspaceLeader,
    settings: SettingsWatcher,
    options: { stateDir: string; extensionId: string; logger: Logger; jobNotify: (slug: string) => readonly NotifyKind[] | undefined },
  ) {
    this.notifier = engineNotifier(engine, { stateDir: options.stateDir, workspace: gate.trustedFolder() ?? '', extensionId: options.extensionId, logger: options.logger, jobNotify: options.jobNotify });
    const configure = () => this.notifier.configure(notifyConfigOf(settings.value, { desktop: false, linkScheme: vscode.env.uriScheme }));
    configure();
    this.store.add(settings.onDidChange(configure));
    // An untrusted workspace sends nothing, as it runs nothing.
    this.store.add(leader.onDidChange(() => this.notifier.setLeading(leader.leading && gate.trustedFolder() !== undefined)));
    this.store.add(
      vscode.window.registerUriHandler({
        handleUri: (uri) => {
          if (uri.path !== '/open') return;
          const query = new URLSearchParams(uri.query);
          const session = query.get('session') ?? '';
          const workspace = query.get('workspace') ?? '';
          if (workspace && workspace !== gate.trustedFolder()) {
            void vscode.window.showInformationMessage(vscode.l10n.t('Session {0} belongs to the workspace {1}: open that folder to see it.', session, workspace));
            return;
          }
          if (engine.get(session)) void vscode.commands.executeCommand('instar.openTerminal', session);
          else void vscode.window.showWarningMessage(vscode.l10n.t('No session named {0} in this workspace (removed since?).', session));
        },
      }),
    );
  }

  /** The channels set up in the settings. */
  get channels(): string[] {
    return this.notifier.channels;
  }

  /** Sends a test notification on each channel set up, and says what each answered. */
  test(): Promise<ChannelResult[]> {
    return this.notifier.test();
  }

  dispose(): void {
    this.store.dispose();
    this.notifier.dispose();
  }
}
