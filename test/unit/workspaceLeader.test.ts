import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { leadSecret, LeaderInfo, WorkspaceLeader } from '../../src/core/lead/workspaceLeader';
import { silentLogger } from '../../src/core/util/host';

/** Resolves when `leader` takes the lead, with how long it took. */
function leads(leader: WorkspaceLeader, timeoutMs = 10_000): Promise<number> {
  const started = performance.now();
  if (leader.leading) return Promise.resolve(0);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no take-over')), timeoutMs);
    leader.onDidChange((leading) => {
      if (!leading) return;
      clearTimeout(timer);
      resolve(performance.now() - started);
    });
  });
}

describe('the leading engine of a workspace', () => {
  it('is one of several, another takes over when it goes, and workspaces do not share one', async () => {
    const workspace = `test-${randomBytes(6).toString('hex')}`;
    const engines = [0, 1, 2].map((i) => new WorkspaceLeader({ workspace, logger: silentLogger, retryMs: 60_000, label: `engine ${i}` }));
    const other = new WorkspaceLeader({ workspace: `${workspace}-other`, logger: silentLogger });
    try {
      for (const engine of engines) await engine.start();
      await other.start();
      assert.deepEqual(engines.map((engine) => engine.leading), [true, false, false]);
      assert.equal(other.leading, true, 'another workspace has its own leader');

      // The leader goes: one follower takes over at once (not after the minute-long retry).
      const next = Promise.race([leads(engines[1]).then(() => 1), leads(engines[2]).then(() => 2)]);
      engines[0].dispose();
      const taker = await next;
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(engines.filter((engine) => engine.leading).length, 1, 'exactly one leads');
      assert.ok(engines[taker].leading);
    } finally {
      for (const engine of engines) engine.dispose();
      other.dispose();
    }
  });

  it('goes to the keeper when it asks with the secret: windows hand over and leave it the lead, a wrong secret changes nothing, and a window takes it back at once when the keeper dies', async () => {
    const workspace = `test-${randomBytes(6).toString('hex')}`;
    const secret = randomBytes(32).toString('hex');
    const windows = [0, 1].map((i) => new WorkspaceLeader({ workspace, logger: silentLogger, retryMs: 60_000, label: `window ${i}`, secret }));
    const impostor = new WorkspaceLeader({ workspace, logger: silentLogger, retryMs: 60_000, role: 'keeper', secret: 'f'.repeat(64) });
    let keeper: WorkspaceLeader | undefined;
    try {
      for (const window of windows) await window.start();
      assert.deepEqual(windows.map((window) => window.leading), [true, false]);
      await impostor.start();
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(windows[0].leading, true, 'a keeper without the secret gets nothing');
      assert.deepEqual(impostor.leader, { role: 'window', pid: process.pid }, 'a follower hears who leads');
      impostor.dispose();

      keeper = new WorkspaceLeader({ workspace, logger: silentLogger, retryMs: 60_000, role: 'keeper', secret, label: 'keeper' });
      const taken = leads(keeper);
      await keeper.start();
      await taken;
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.deepEqual(windows.map((window) => window.leading), [false, false], 'the windows left it the lead');
      const heard = await new Promise<LeaderInfo | undefined>((resolve) => {
        if (windows[1].leader?.role === 'keeper') return resolve(windows[1].leader);
        windows[1].onDidChangeLeader((info) => info && resolve(info));
      });
      assert.equal(heard?.role, 'keeper');

      // The keeper dies (its socket closes as the kernel frees it): a window leads at once.
      const next = Promise.race(windows.map((window, i) => leads(window, 10_000).then(() => i)));
      const started = performance.now();
      keeper.dispose();
      await next;
      console.log(`a window led ${Math.round(performance.now() - started)} ms after the keeper went`);
      assert.equal(windows.filter((window) => window.leading).length, 1);
    } finally {
      for (const window of windows) window.dispose();
      impostor.dispose();
      keeper?.dispose();
    }
  });

  it("keeps the lead secret in the state folder, made once, readable only by the user", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'instar-secret-'));
    try {
      const [a, b] = await Promise.all([leadSecret(dir), leadSecret(dir)]);
      assert.match(a, /^[0-9a-f]{64}$/);
      assert.equal(a, b, 'two hosts at once agree');
      assert.equal(await leadSecret(dir), a);
      assert.equal(statSync(join(dir, 'lead-secret')).mode & 0o777, 0o600);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
