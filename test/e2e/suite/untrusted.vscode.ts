/** Inside a real VS Code whose folder is not trusted: nothing can be spawned. */
import * as assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import * as vscode from 'vscode';
import { instar } from './helpers';

describe('Instar Sessions in an untrusted workspace', () => {
  it('refuses to spawn, and starts nothing', async () => {
    assert.equal(vscode.workspace.isTrusted, false);
    const api = await instar();
    const result = await vscode.commands.executeCommand('instar.spawn');
    assert.equal(result, undefined);
    const parallel = await vscode.commands.executeCommand('instar.spawnParallel');
    assert.equal(parallel, undefined);
    assert.equal(api.engine.list().length, 0);
    assert.deepEqual(await api.engine.listTmuxSessions(), []);
  });
});
