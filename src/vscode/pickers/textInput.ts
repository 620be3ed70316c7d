/** A text a command takes: given as its argument (by a script, a keybinding, a test), or asked for. */
import * as vscode from 'vscode';

/** `arg` when it is a string; otherwise what the person types in an input box with `options` (undefined: cancelled). */
export function resolveText(arg: unknown, options: vscode.InputBoxOptions): Thenable<string | undefined> {
  return typeof arg === 'string' ? Promise.resolve(arg) : vscode.window.showInputBox({ ignoreFocusOut: true, ...options });
}
