/**
 * The extension in a real VS Code: it is there, it activates, its commands are registered, and
 * the workspace's trust is what the run asked for. Written against the API only, so it runs the
 * same under code-server (a remote extension host, uiKind Web) and @vscode/test-electron.
 */
import * as assert from 'node:assert/strict';
import { before, describe, it } from 'mocha';
import * as vscode from 'vscode';

const EXTENSION_ID = 'instar.instar-sessions';

describe('the extension in VS Code', () => {
  let extension: vscode.Extension<unknown>;

  before(async () => {
    const found = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(found, `${EXTENSION_ID} is not loaded`);
    extension = found;
    await extension.activate();
  });

  it('describes its host', () => {
    console.log(
      `    host: ${vscode.env.appName} ${vscode.version}, uiKind ${vscode.UIKind[vscode.env.uiKind]}, remote ${vscode.env.remoteName ?? 'none'}, ` +
        `Node ${process.version}, trusted ${vscode.workspace.isTrusted} (INSTAR_TEST_TRUST ${process.env.INSTAR_TEST_TRUST ?? 'unset'})`,
    );
    assert.ok([vscode.UIKind.Desktop, vscode.UIKind.Web].includes(vscode.env.uiKind));
    assert.match(vscode.version, /^\d+\.\d+\.\d+/);
  });

  it('is active, with its exports', () => {
    assert.equal(extension.isActive, true);
    assert.ok(extension.exports, 'activate() returned nothing');
  });

  it('registers its commands', async () => {
    const commands = new Set(await vscode.commands.getCommands(true));
    const contributed = (extension.packageJSON.contributes.commands as { command: string }[]).map((c) => c.command);
    assert.ok(contributed.length > 0);
    assert.deepEqual(contributed.filter((command) => !commands.has(command)), []);
  });

  it('opens the workspace folder, trusted as the run asked', () => {
    assert.equal(vscode.workspace.workspaceFolders?.length, 1);
    const expected = process.env.INSTAR_TEST_TRUST;
    if (expected) assert.equal(vscode.workspace.isTrusted, expected === 'trusted');
  });

  it('reads a file of the workspace through the file system API', async () => {
    const folder = vscode.workspace.workspaceFolders![0].uri;
    const entries = await vscode.workspace.fs.readDirectory(folder);
    assert.ok(entries.length > 0, `${folder.toString()} is empty`);
  });
});
