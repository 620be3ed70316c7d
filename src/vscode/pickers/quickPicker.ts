/**
 * Every QuickPick of the extension goes through here: `showQuickPick` built on
 * `createQuickPick`, which tells when one is shown (the tests close it then).
 */
import * as vscode from 'vscode';

export interface PickOptions {
  title?: string;
  placeHolder?: string;
  ignoreFocusOut?: boolean;
  matchOnDescription?: boolean;
  matchOnDetail?: boolean;
  /** Called when a button of an item is pressed; the pick closes unless it returns false. */
  onButton?: (item: vscode.QuickPickItem, button: vscode.QuickInputButton) => boolean | void;
}

export class QuickPicker implements vscode.Disposable {
  private readonly shown = new vscode.EventEmitter<vscode.QuickPick<vscode.QuickPickItem>>();
  /** Fires with each QuickPick once it is shown. */
  readonly onDidShow = this.shown.event;

  /** The accepted item, or undefined when the pick is dismissed. */
  pick<T extends vscode.QuickPickItem>(items: readonly T[], options: PickOptions = {}): Promise<T | undefined> {
    const quickPick = vscode.window.createQuickPick<T>();
    quickPick.title = options.title;
    quickPick.placeholder = options.placeHolder;
    quickPick.ignoreFocusOut = options.ignoreFocusOut ?? false;
    quickPick.matchOnDescription = options.matchOnDescription ?? false;
    quickPick.matchOnDetail = options.matchOnDetail ?? false;
    quickPick.items = items;
    return new Promise<T | undefined>((resolve) => {
      let picked: T | undefined;
      quickPick.onDidAccept(() => {
        picked = quickPick.selectedItems[0] ?? quickPick.activeItems[0];
        quickPick.hide();
      });
      quickPick.onDidTriggerItemButton(({ item, button }) => {
        if (options.onButton?.(item, button) !== false) quickPick.hide();
      });
      quickPick.onDidHide(() => {
        quickPick.dispose();
        resolve(picked);
      });
      quickPick.show();
      this.shown.fire(quickPick as unknown as vscode.QuickPick<vscode.QuickPickItem>);
    });
  }

  dispose(): void {
    this.shown.dispose();
  }
}
