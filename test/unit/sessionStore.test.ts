import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FileStorage, MemoryStorage } from '../support/storage';
import { REGISTRY_KEY, SessionStore } from '../../src/core/sessions/sessionStore';
import { silentLogger } from '../../src/core/util/host';
import type { SessionRecord } from '../../src/core/model/sessionRecord';

const make = (name: string, id = `${name}-id`): SessionRecord =>
  ({ name, id, status: 'starting', statusSince: 0, statusSignal: 'spawn', model: 'sonnet', prompt: '', promptBytes: 0, cwd: '/', permissionMode: 'default', agentKind: 'claude', agentCommand: 'claude', createdAt: 0, tmuxSocket: 'x', tmuxSession: name }) as SessionRecord;

describe('session store', () => {
  it('keeps every record when many are added and saved concurrently, and reloads them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'instar-registry-'));
    try {
      const file = join(dir, 'state.json');
      const registry = new SessionStore(await FileStorage.open(file), silentLogger);
      await Promise.all(
        Array.from({ length: 50 }, async (_, index) => {
          await new Promise((resolve) => setTimeout(resolve, index % 7));
          assert.ok(registry.add(make(`s-${index}`)).added);
          await registry.save();
        }),
      );
      const reloaded = new SessionStore(await FileStorage.open(file), silentLogger);
      assert.equal(reloaded.all().length, 50);
      assert.ok(reloaded.get('s-49'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a second record with a taken name and names the holder', () => {
    const registry = new SessionStore(new MemoryStorage(), silentLogger);
    registry.add(make('a', 'first'));
    const { added, holder } = registry.add(make('a', 'second'));
    assert.equal(added, false);
    assert.equal(holder.id, 'first');
  });

  it('ignores a stale update of a removed-and-reused name', () => {
    const registry = new SessionStore(new MemoryStorage(), silentLogger);
    registry.add(make('a', 'old'));
    registry.discard('a', 'old');
    registry.add(make('a', 'new'));
    assert.equal(registry.update('a', 'old', (current) => ({ ...current, status: 'lost' })), undefined);
    assert.equal(registry.get('a')?.id, 'new');
    assert.equal(registry.get('a')?.status, 'starting');
  });

  it('finds a session by its id, a stored one too, and not one whose name another session holds now', () => {
    const storage = new MemoryStorage();
    void storage.update(REGISTRY_KEY, { version: 1, sessions: [make('kept', 'kept-1')] });
    const registry = new SessionStore(storage, silentLogger);
    assert.equal(registry.byId('kept-1')?.name, 'kept');
    registry.add(make('a', 'old'));
    assert.equal(registry.byId('old')?.name, 'a');
    registry.discard('a', 'old');
    assert.equal(registry.byId('old'), undefined);
    registry.add(make('a', 'new'));
    assert.equal(registry.byId('old'), undefined);
    assert.equal(registry.byId('new')?.name, 'a');
    registry.update('a', 'new', (current) => ({ ...current, status: 'idle' }));
    assert.equal(registry.byId('new')?.status, 'idle', 'the latest record');
    assert.equal(registry.byId('nobody'), undefined);
  });

  it('announces committed changes with the latest record, and removals by name', async () => {
    const store = new SessionStore(new MemoryStorage(), silentLogger);
    const seen: string[] = [];
    store.onDidChange((change) => seen.push(...change.changed.map((r) => `${r.name}:${r.status}`), ...change.removed.map((name) => `-${name}`)));
    store.add(make('a'));
    const first = store.update('a', 'a-id', (current) => ({ ...current, status: 'running' }))!;
    store.update('a', 'a-id', (current) => ({ ...current, status: 'idle' }));
    assert.equal(store.update('a', 'a-id', () => undefined), undefined, 'no change, no new record');
    await store.commit([first]);
    assert.deepEqual(seen, ['a:idle'], 'the latest version, not the one handed in');
    assert.equal(await store.remove('a', 'other-id'), false);
    assert.equal(await store.remove('a', 'a-id'), true);
    assert.deepEqual(seen, ['a:idle', '-a']);
    assert.throws(() => store.require('a'), /There is no session named "a"\. No sessions exist yet\./);
  });
});
