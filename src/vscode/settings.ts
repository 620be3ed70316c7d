/** The extension's settings, typed, read in one place, with an event when they change. */
import * as vscode from 'vscode';
import type { EngineSettings } from '../core/sessions/sessionEngine';
import { engineSettings as coreEngineSettings, readSettings, Settings } from '../core/settings/instarSettings';

export type { NotificationLevel, ResumeLost, Settings, WorktreeDefault } from '../core/settings/instarSettings';

export class SettingsWatcher implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<Settings>();
  readonly onDidChange = this.emitter.event;
  private readonly subscription: vscode.Disposable;
  private current: Settings;

  constructor() {
    this.current = read();
    this.subscription = vscode.workspace.onDidChangeConfiguration((event) => {
      if (!event.affectsConfiguration('instar')) return;
      this.current = read();
      this.emitter.fire(this.current);
    });
  }

  get value(): Settings {
    return this.current;
  }

  dispose(): void {
    this.subscription.dispose();
    this.emitter.dispose();
  }
}

function read(): Settings {
  const config = vscode.workspace.getConfiguration('instar');
  return readSettings((key) => config.get(key));
}

/** The part of the settings the engine takes; a wrong price table is said in a warning. */
export function engineSettings(settings: Settings, extraEnv: Record<string, string> = {}): Partial<EngineSettings> {
  return coreEngineSettings(settings, extraEnv, (message) => void vscode.window.showWarningMessage(message));
}
