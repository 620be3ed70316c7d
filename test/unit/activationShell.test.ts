/**
 * What activation registers before the rest of the extension is loaded: every contributed
 * command (from one list), and a view and documents that answer once the real providers are
 * there, passing their change events on.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type * as vscode from 'vscode';
import { Emitter } from '../../src/core/util/emitter';
import { COMMAND_IDS } from '../../src/vscode/commands/commandIds';
import { DeferredDocuments } from '../../src/vscode/shell/deferredDocuments';
import { DeferredTree } from '../../src/vscode/shell/deferredTree';
import { REPO } from '../support/engineHarness';

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: Error) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  return { promise, resolve, reject };
}

const pending = Symbol('pending');
/** What a promise has settled to by now, or `pending`. */
async function now<T>(promise: Promise<T>): Promise<T | typeof pending> {
  return Promise.race([promise, new Promise<typeof pending>((resolve) => setImmediate(() => resolve(pending)))]);
}

const token = {} as vscode.CancellationToken;

describe('activation before the rest is loaded', () => {
  it("registers exactly the commands package.json contributes", () => {
    const manifest = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { contributes: { commands: { command: string }[] } };
    assert.deepEqual([...COMMAND_IDS].sort(), manifest.contributes.commands.map((entry) => entry.command).sort());
    assert.equal(new Set(COMMAND_IDS).size, COMMAND_IDS.length);
  });

  it('puts every command under the product\'s name in the palette ("instar" finds them all, apart from VS Code\'s own "Sessions")', () => {
    const manifest = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { contributes: { commands: { command: string; category?: string }[] } };
    assert.deepEqual(manifest.contributes.commands.filter((entry) => entry.category !== 'Instar Sessions').map((entry) => entry.command), []);
  });

  it("answers the view's rows once the real provider is there, and passes its changes on", async () => {
    const loaded = deferred<vscode.TreeDataProvider<string>>();
    const tree = new DeferredTree<string>(loaded.promise);
    const changes: unknown[] = [];
    tree.onDidChangeTreeData((change) => changes.push(change));
    const rows = tree.getChildren();
    assert.equal(await now(rows), pending, 'the rows wait for the provider');
    assert.throws(() => tree.getTreeItem('a'), /before its provider was loaded/);

    const changed = new Emitter<string | undefined>();
    loaded.resolve({
      onDidChangeTreeData: changed.event,
      getChildren: (element?: string) => (element === undefined ? ['a', 'b'] : []),
      getTreeItem: (element: string) => ({ label: element.toUpperCase() }),
      getParent: () => undefined,
    });
    assert.deepEqual(await rows, ['a', 'b']);
    assert.deepEqual(await tree.getChildren('a'), []);
    assert.deepEqual(tree.getTreeItem('b'), { label: 'B' });
    changed.fire('b');
    changed.fire(undefined);
    assert.deepEqual(changes, ['b', undefined]);
    // No resolveTreeItem of its own: the item as it is.
    const item = { label: 'x' };
    assert.equal(tree.resolveTreeItem(item, 'x', token), item);
    tree.dispose();
    changed.fire('a');
    assert.deepEqual(changes, ['b', undefined], 'nothing after dispose');
  });

  it('fails the rows, rather than hang, when the rest could not load', async () => {
    const loaded = deferred<vscode.TreeDataProvider<string>>();
    const tree = new DeferredTree<string>(loaded.promise);
    const rows = tree.getChildren();
    loaded.reject(new Error('dist/main.js is missing'));
    await assert.rejects(rows, /main\.js is missing/);
  });

  it("answers a document once the real provider is there, and passes its changes on", async () => {
    const loaded = deferred<vscode.TextDocumentContentProvider>();
    const documents = new DeferredDocuments(loaded.promise);
    const uri = { toString: () => 'instar-output:/one.log' } as vscode.Uri;
    const seen: vscode.Uri[] = [];
    documents.onDidChange((changed) => seen.push(changed));
    const text = documents.provideTextDocumentContent(uri, token);
    assert.equal(await now(text), pending);
    const changed = new Emitter<vscode.Uri>();
    loaded.resolve({ onDidChange: changed.event, provideTextDocumentContent: (asked) => `the text of ${asked.toString()}` });
    assert.equal(await text, 'the text of instar-output:/one.log');
    await Promise.resolve();
    changed.fire(uri);
    assert.deepEqual(seen, [uri]);
  });
});
