/** Inside a real VS Code whose folder is not trusted: nothing can be spawned. */
import * as assert from 'node:assert/strict';
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
});
