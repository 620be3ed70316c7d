/**
 * The keeper's parts that need no tmux: its record in a file, the settings of a workspace read
 * as VS Code writes them, and where a workspace's state folder is for a host VS Code does not tell.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { findWorkspace, machineStateRoot, notedWorkspaces, noteWorkspace, stateFolderFor } from '../../src/core/lead/workspaceDirectory';
import { readSettings } from '../../src/core/settings/instarSettings';
import { FileStorage } from '../../src/core/util/fileStorage';
import { readWorkspaceSettings } from '../../src/keeper/workspaceSettings';

const root = mkdtempSync(join(tmpdir(), 'instar-keeper-parts-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe("the keeper's record", () => {
  it('keeps every update in the file, the last one landing when they come at once, and reads it back', async () => {
    const file = join(root, 'record', 'keeper-record.json');
    const storage = FileStorage.open(file);
    assert.equal(storage.get('a'), undefined);
    await Promise.all([storage.update('a', 1), storage.update('b', { c: [1, 2] }), storage.update('a', 3)]);
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { a: 3, b: { c: [1, 2] } });
    await storage.update('b', undefined);
    const again = FileStorage.open(file);
    assert.equal(again.get('a'), 3);
    assert.deepEqual(again.keys(), ['a']);
  });

  it('refuses a file that is not a JSON object, naming it and what to do', () => {
    const file = join(root, 'broken.json');
    writeFileSync(file, '[1, 2');
    assert.throws(() => FileStorage.open(file), /broken\.json is not JSON .*; move it away to start with an empty record/);
    writeFileSync(file, '[1, 2]');
    assert.throws(() => FileStorage.open(file), /broken\.json does not hold a JSON object/);
  });
});

describe("a workspace's settings, read without VS Code", () => {
  it('takes the instar values of .vscode/settings.json with comments and trailing commas, and the defaults for the rest', async () => {
    const workspace = join(root, 'ws');
    mkdirSync(join(workspace, '.vscode'), { recursive: true });
    writeFileSync(join(workspace, '.vscode', 'settings.json'), '{\n  // mine\n  "instar.tmux.socket": "team",\n  "instar.api.port": 99999,\n  "instar.agent.environment": { "A": "1", "B": 2 },\n  "editor.tabSize": 2,\n}\n');
    const settings = await readWorkspaceSettings(workspace);
    assert.equal(settings.socket, 'team');
    assert.equal(settings.apiPort, 65_535, 'brought into range');
    assert.deepEqual(settings.agentEnv, { A: '1' }, 'only text values');
    assert.equal(settings.agentCommand, 'claude');
    assert.equal(settings.endWhenIdleMinutes, 5);
  });

  it('is the defaults where there is no settings file, and an error that names the file and the place where it cannot be read', async () => {
    assert.deepEqual(await readWorkspaceSettings(join(root, 'none')), readSettings(() => undefined));
    const workspace = join(root, 'bad');
    mkdirSync(join(workspace, '.vscode'), { recursive: true });
    writeFileSync(join(workspace, '.vscode', 'settings.json'), '{ "instar.tmux.socket": }');
    await assert.rejects(readWorkspaceSettings(workspace), /settings\.json could not be read at offset 24: ValueExpected\. Fix it/);
  });
});

describe("where a workspace's state is", () => {
  it('is where a window noted it, found by the real path; else a folder of its own', async () => {
    const machine = join(root, 'machine');
    const workspace = join(root, 'project');
    mkdirSync(workspace);
    const unnoted = await findWorkspace(workspace, machine);
    assert.equal(unnoted.noted, false);
    assert.match(unnoted.stateDir, /machine\/workspaces\/[0-9a-f]{16}$/);
    await noteWorkspace({ folder: workspace, stateDir: '/vscode/storage/instar.instar-sessions', workspaceKey: 'abc' }, machine);
    // Through a link to it: the same workspace.
    symlinkSync(workspace, join(root, 'link'));
    const noted = await findWorkspace(join(root, 'link'), machine);
    assert.deepEqual({ ...noted, folder: undefined }, { folder: undefined, stateDir: '/vscode/storage/instar.instar-sessions', workspaceKey: 'abc', noted: true });
  });

  it("is, for a window, the one noted where it still exists, whatever storage folder VS Code gave this host", async () => {
    const machine = join(root, 'machine-2');
    const workspace = join(root, 'project-2');
    const noted = join(root, 'storage-a', 'instar.instar-sessions');
    mkdirSync(workspace);
    assert.deepEqual(stateFolderFor(workspace, '/own', machine), { stateDir: '/own' }, 'none noted: its own');
    await noteWorkspace({ folder: workspace, stateDir: noted, workspaceKey: 'k1' }, machine);
    assert.deepEqual(stateFolderFor(workspace, '/own', machine), { stateDir: '/own' }, 'the noted folder is gone: its own');
    mkdirSync(noted, { recursive: true });
    assert.deepEqual(stateFolderFor(workspace, '/own', machine), { stateDir: noted, workspaceKey: 'k1' });
    assert.deepEqual(stateFolderFor(undefined, '/own', machine), { stateDir: '/own' }, 'no folder on disk');
  });

  it('lists every workspace noted, for the view of the other projects, skipping notes it cannot read', async () => {
    const machine = join(root, 'machine-3');
    assert.deepEqual(await notedWorkspaces(machine), [], 'none noted yet (no folder)');
    await noteWorkspace({ folder: '/work/alpha', stateDir: '/state/alpha', workspaceKey: 'k-alpha' }, machine);
    await noteWorkspace({ folder: '/work/beta', stateDir: '/state/beta' }, machine);
    writeFileSync(join(machine, 'workspaces', 'damaged.json'), '{"folder": "/work/x"');
    writeFileSync(join(machine, 'workspaces', 'relative.json'), JSON.stringify({ folder: 'work/y', stateDir: '/state/y' }));
    const listed = (await notedWorkspaces(machine)).sort((a, b) => a.folder.localeCompare(b.folder));
    assert.deepEqual(listed, [
      { folder: '/work/alpha', stateDir: '/state/alpha', workspaceKey: 'k-alpha' },
      { folder: '/work/beta', stateDir: '/state/beta', workspaceKey: undefined },
    ]);
  });

  it('lives under XDG_STATE_HOME, or ~/.local/state', () => {
    assert.equal(machineStateRoot({ XDG_STATE_HOME: '/x/state', HOME: '/home/u' }), '/x/state/instar-sessions');
    assert.equal(machineStateRoot({ XDG_STATE_HOME: 'relative', HOME: '/home/u' }), '/home/u/.local/state/instar-sessions');
  });
});
