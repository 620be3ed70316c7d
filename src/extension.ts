/**
 * Activation: registers what VS Code may ask for at once (the Sessions view, every contributed
 * command, the document schemes) and returns. The rest of the extension (dist/main.js: the
 * engine and everything built on it) loads right after, off the activation path, and answers
 * them; a command run or a row asked for in between waits for it.
 */
import * as vscode from 'vscode';
import { COMMAND_IDS } from './vscode/commands/commandIds';
import type { InstarApi } from './vscode/instarApi';
import type * as Main from './vscode/main';
import { CONVERSATION_SCHEME, GIT_SCHEME, OUTPUT_SCHEME } from './vscode/schemes';
import { DeferredDocuments } from './vscode/shell/deferredDocuments';
import { DeferredTree } from './vscode/shell/deferredTree';
import type { SessionNode } from './vscode/views/sessionTree';

export type { InstarApi };

export function activate(context: vscode.ExtensionContext): InstarApi {
  const activatedAt = Date.now();
  let load: (view: vscode.TreeView<SessionNode>) => void = () => undefined;
  const started = new Promise<Main.Started>((resolve, reject) => {
    load = (view) => {
      try {
        // Bundled apart (scripts/build.mjs): dist/main.js.
        const requiredAt = Date.now();
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded after the view is registered, so activation is timed and cheap
        const main = require('./vscode/main') as typeof Main;
        resolve(main.startExtension(context, { view, activatedAt, requireMs: Date.now() - requiredAt }));
      } catch (error) {
        reject(error);
      }
    };
  });
  started.catch((error: Error) => {
    console.error(error);
    void vscode.window.showErrorMessage(`Instar Sessions could not load: ${error.message}`);
  });

  const tree = new DeferredTree<SessionNode>(started.then((parts) => parts.tree));
  const view = vscode.window.createTreeView('instar.sessions', { treeDataProvider: tree, showCollapseAll: false });
  context.subscriptions.push(tree, view);
  for (const scheme of [OUTPUT_SCHEME, CONVERSATION_SCHEME, GIT_SCHEME]) {
    const documents = new DeferredDocuments(started.then((parts) => parts.documents[scheme]));
    context.subscriptions.push(documents, vscode.workspace.registerTextDocumentContentProvider(scheme, documents));
  }
  for (const id of COMMAND_IDS) {
    context.subscriptions.push(vscode.commands.registerCommand(id, async (...args: unknown[]) => (await started).runCommand(id, args)));
  }

  // Filled in once loaded (InstarApi says so): `ready` first, for whoever waits on it.
  const api = {} as InstarApi;
  api.ready = started.then(({ api: loaded }) => {
    const { ready, ...rest } = loaded;
    Object.assign(api, rest);
    return ready;
  });
  // After this turn: VS Code has the activation's result first.
  setImmediate(() => load(view));
  return api;
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions; sessions keep running in tmux.
}
