import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FileStorage, MemoryStorage } from '../support/storage';
import { Registry } from '../../src/core/registry/registry';
import type { SessionRecord } from '../../src/core/model/sessionRecord';

const make = (name: string, id = `${name}-id`): SessionRecord =>
  ({ name, id, status: 'starting', statusSince: 0, statusSignal: 'spawn', model: 'sonnet', prompt: '', promptBytes: 0, cwd: '/', permissionMode: 'default', agentKind: 'claude', agentCommand: 'claude', createdAt: 0, tmuxSocket: 'x', tmuxSession: name }) as SessionRecord;

describe('registry', () => {
  it('keeps every record when many are added and saved concurrently, and reloads them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'instar-registry-'));
    try {
      const file = join(dir, 'state.json');
      const registry = new Registry(await FileStorage.open(file));
      await Promise.all(
        Array.from({ length: 50 }, async (_, index) => {
          await new Promise((resolve) => setTimeout(resolve, index % 7));
          assert.ok(registry.add(make(`s-${index}`)).added);
          await registry.save();
        }),
      );
      const reloaded = new Registry(await FileStorage.open(file));
      assert.equal(reloaded.all().length, 50);
      assert.ok(reloaded.get('s-49'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a second record with a taken name and names the holder', () => {
    const registry = new Registry(new MemoryStorage());
    registry.add(make('a', 'first'));
    const { added, holder } = registry.add(make('a', 'second'));
    assert.equal(added, false);
    assert.equal(holder.id, 'first');
  });

  it('ignores a stale update of a removed-and-reused name', () => {
    const registry = new Registry(new MemoryStorage());
    registry.add(make('a', 'old'));
    registry.delete('a', 'old');
    registry.add(make('a', 'new'));
    assert.equal(registry.put({ ...make('a', 'old'), status: 'lost' }), false);
    assert.equal(registry.get('a')?.id, 'new');
    assert.equal(registry.get('a')?.status, 'starting');
  });
});
