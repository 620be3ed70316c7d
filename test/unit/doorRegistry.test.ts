/** The door registry: which workspace a token belongs to, as files of the machine's state folder. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { tokenDigest } from '../../src/core/http/apiGuards';
import { DoorRegistration, DoorRegistry, doorsFolder, processStart, readDoorEntries, tokenHash } from '../../src/core/http/doorRegistry';
import { generateToken } from '../../src/core/http/instarConfig';

const root = mkdtempSync(join(tmpdir(), 'instar-doors-'));
let count = 0;
const freshDir = () => doorsFolder(join(root, `machine-${++count}`));
/** The pid of a process that has ended. */
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid!;

describe('the door registry', () => {
  after(() => rmSync(root, { recursive: true, force: true }));

  it('keeps the SHA-256 of the token, never the token', async () => {
    const token = generateToken();
    assert.equal(tokenHash(token), createHash('sha256').update(token).digest('hex'));
    assert.deepEqual(tokenDigest(token), createHash('sha256').update(token).digest());
    const dir = freshDir();
    const registration = await DoorRegistration.create(dir, { workspaceKey: 'ws-a', token, port: 41001, folder: '/work/a' });
    const text = await readFile(registration.path, 'utf8');
    assert.ok(!text.includes(token), 'the token itself is not written');
    const entry = JSON.parse(text);
    assert.deepEqual({ ...entry, updatedAt: undefined }, { workspaceKey: 'ws-a', tokenHash: tokenHash(token), port: 41001, pid: process.pid, pidStart: processStart(process.pid), folder: '/work/a', updatedAt: undefined });
    assert.match(entry.pidStart, /^\d+$/, "this process's start time, from /proc");
    assert.ok(Date.now() - Date.parse(entry.updatedAt) < 60_000);
    assert.equal((await stat(registration.path)).mode & 0o777, 0o600);
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
    assert.equal(registration.path, join(dir, `ws-a.${process.pid}.json`));
  });

  it('rewrites the entry with a new token and removes it on dispose, leaving other hosts their own', async () => {
    const dir = freshDir();
    const a = await DoorRegistration.create(dir, { workspaceKey: 'ws-a', token: 'one', port: 41001, folder: '/work/a' });
    const b = await DoorRegistration.create(dir, { workspaceKey: 'ws-b', token: 'two', port: 41002, folder: '/work/b' });
    await a.update({ token: 'three' });
    assert.equal(JSON.parse(await readFile(a.path, 'utf8')).tokenHash, tokenHash('three'));
    await a.dispose();
    assert.equal(existsSync(a.path), false);
    // A write asked after the removal writes nothing.
    await a.update({ port: 41003 });
    assert.equal(existsSync(a.path), false);
    assert.deepEqual((await readDoorEntries(dir)).map(({ entry }) => entry.workspaceKey), ['ws-b']);
    await b.dispose();
  });

  it('lists live hosts only: the file of a host that died is skipped and removed, garbage and half-written files ignored', async () => {
    const dir = freshDir();
    const live = await DoorRegistration.create(dir, { workspaceKey: 'ws-live', token: 'live', port: 41010, folder: '/work/live' });
    const dead = join(dir, 'ws-dead.1.json');
    await writeFile(dead, JSON.stringify({ workspaceKey: 'ws-dead', tokenHash: tokenHash('dead'), port: 41011, pid: deadPid(), folder: '/work/dead', updatedAt: new Date().toISOString() }));
    // This very pid, but started at another time: another process given a dead host's pid.
    const reused = join(dir, 'ws-reused.3.json');
    await writeFile(reused, JSON.stringify({ workspaceKey: 'ws-reused', tokenHash: tokenHash('reused'), port: 41012, pid: process.pid, pidStart: String(Number(processStart(process.pid)) - 1), folder: '/work/reused', updatedAt: new Date().toISOString() }));
    await writeFile(join(dir, 'garbage.json'), '{not json');
    await writeFile(join(dir, 'bad-port.json'), JSON.stringify({ workspaceKey: 'x', tokenHash: tokenHash('x'), port: 0, pid: process.pid }));
    await writeFile(join(dir, 'ws-half.2.json.123.1.tmp'), '{"workspaceKey": "ws-half"');
    const entries = await readDoorEntries(dir);
    assert.deepEqual(entries.map(({ entry }) => entry.workspaceKey), ['ws-live']);
    assert.equal(existsSync(dead), false, "the dead host's file is removed");
    assert.equal(existsSync(reused), false, 'and the file of a host whose pid another process has now');
    assert.ok((await readdir(dir)).includes('garbage.json'), 'an unreadable file is left alone');
    await live.dispose();
  });

  it("finds a token's workspace by its digest, and only that one; a rotated token at once, the old one no more", async () => {
    const dir = freshDir();
    const tokenA = generateToken();
    const tokenB = generateToken();
    const a = await DoorRegistration.create(dir, { workspaceKey: 'ws-a', token: tokenA, port: 41021, folder: '/work/a' });
    const b = await DoorRegistration.create(dir, { workspaceKey: 'ws-b', token: tokenB, port: 41022, folder: '/work/b' });
    const registry = new DoorRegistry(dir);
    try {
      await registry.start();
      assert.deepEqual((await registry.lookup(tokenDigest(tokenA))).map((entry) => entry.port), [41021]);
      assert.deepEqual((await registry.lookup(tokenDigest(tokenB))).map((entry) => entry.port), [41022]);
      assert.deepEqual(await registry.lookup(tokenDigest('wrong')), []);
      assert.deepEqual(await registry.lookup(tokenDigest(tokenA.slice(0, -1))), []);

      // Rotated: the lookup reads the folder again on a miss, with no wait for the watch.
      const rotated = generateToken();
      await a.update({ token: rotated });
      assert.deepEqual((await registry.lookup(tokenDigest(rotated))).map((entry) => entry.port), [41021]);
      assert.deepEqual(await registry.lookup(tokenDigest(tokenA)), []);
      assert.equal(registry.wentAway(tokenDigest(tokenA)), false, 'a rotated token is not one whose host went away');

      // A host that stops: its token is remembered as gone (another host of it may take over).
      await b.dispose();
      await registry.refresh();
      assert.deepEqual(await registry.lookup(tokenDigest(tokenB)), []);
      assert.equal(registry.wentAway(tokenDigest(tokenB)), true);
      assert.equal(registry.wentAway(tokenDigest('never-seen')), false);
    } finally {
      registry.dispose();
      await a.dispose();
    }
  });

  it('hears of a new host through its watch, and gives the newest entry of a workspace first', async () => {
    const dir = freshDir();
    const registry = new DoorRegistry(dir);
    await registry.start();
    const token = generateToken();
    const changed = registry.nextChange(10_000);
    const first = await DoorRegistration.create(dir, { workspaceKey: 'ws-a', token, port: 41031, folder: '/work/a' });
    try {
      await changed;
      assert.deepEqual(registry.entries().map((entry) => entry.port), [41031], 'read on the watch, before any lookup');
      // Another host of the same workspace (taking it over), as another process would write it.
      await new Promise((resolve) => setTimeout(resolve, 5));
      const other = join(dir, `ws-a.${process.ppid}.json`);
      await writeFile(other, JSON.stringify({ workspaceKey: 'ws-a', tokenHash: tokenHash(token), port: 41032, pid: process.ppid, folder: '/work/a', updatedAt: new Date().toISOString() }));
      await registry.refresh();
      assert.deepEqual((await registry.lookup(tokenDigest(token))).map((entry) => entry.port), [41032, 41031]);
    } finally {
      registry.dispose();
      await first.dispose();
    }
  });
});
