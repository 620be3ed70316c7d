import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { WorkspaceLeader } from '../../src/core/lead/workspaceLeader';
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
});
