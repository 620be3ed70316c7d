/** Inside a real VS Code whose folder is not trusted: nothing can be spawned. */
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'mocha';
import * as vscode from 'vscode';
import { instar } from './helpers';

describe('Instar Sessions in an untrusted workspace', () => {
  it('refuses to spawn, and starts nothing', async () => {
    assert.equal(vscode.workspace.isTrusted, false);
    const api = await instar();
    const refused: string[] = [];
    const failed: string[] = [];
    const subscriptions = [api.onDidRefuseSpawn((refusal) => refused.push(`${refusal.what}: ${refusal.reason}`)), api.onDidFailCommand((failure) => failed.push(failure.command))];
    await vscode.commands.executeCommand('instar.spawn');
    await vscode.commands.executeCommand('instar.spawnParallel');
    for (const subscription of subscriptions) subscription.dispose();
    assert.deepEqual(refused, ['instar.spawn: untrusted', 'instar.spawnParallel: untrusted'], 'the workspace gate refused both for lack of trust');
    assert.deepEqual(failed, [], 'no command failed instead');
    assert.equal(api.engine.list().length, 0);
    assert.deepEqual(await api.engine.listTmuxSessions(), []);
  });

  it("runs nothing through the chat's tools: a spawn through them is refused", async () => {
    const api = await instar();
    // VS Code lists what package.json declares (its "when" is not applied to the list); none is registered here.
    await assert.rejects(Promise.resolve(vscode.lm.invokeTool('instar_spawn', { input: { name: 'from-chat', prompt: 'x' }, toolInvocationToken: undefined })));
    assert.equal(api.engine.list().length, 0);
  });

  it('starts no background keeper, though the keeper is on and a job is enabled, and refuses to start one by hand', async () => {
    assert.equal(vscode.workspace.getConfiguration('instar').get('keeper.enabled'), true);
    const api = await instar();
    // A window checks half a second after a change; give it four times that.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const keepers = readdirSync('/proc').filter((entry) => {
      try {
        const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
        return /^\d+$/.test(entry) && command.includes('keeper.js') && command.includes(folder);
      } catch {
        return false;
      }
    });
    assert.deepEqual(keepers, [], 'no keeper process for this folder');
    let failure: unknown;
    const subscription = api.onDidFailCommand((failed) => (failure = failed.error));
    await vscode.commands.executeCommand('instar.keeper.start');
    subscription.dispose();
    assert.match(String(failure), /The workspace is not trusted: nothing runs in the background for it\./);
  });
});
