/**
 * The registry of ended sessions kept to instar.sessions.keepEnded by the engine that leads, on a
 * real tmux server: the oldest ended sessions go as Remove does (files and tmux remains), the
 * newest, every live one and one whose worktree is still there stay; an engine that does not lead
 * forgets nothing.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Harness, RECORDER_AGENT, startHarness } from '../support/engineHarness';
import { waitFor, waitForStatus } from '../support/wait';

describe('ended sessions kept to a number', () => {
  let h: Harness;
  let records: string;
  before(async () => {
    records = await mkdtemp(join(tmpdir(), 'instar-retention-records-'));
    h = await startHarness('retention', { agentCommand: RECORDER_AGENT, agentEnv: { RECORD_DIR: records }, keepEnded: 2 });
  });
  after(async () => {
    await h.dispose();
    await rm(records, { recursive: true, force: true });
  });

  it('forgets the oldest ended sessions past the limit while it leads, with their files, and nothing live', async () => {
    const { engine } = h;
    const names = ['old-1', 'old-2', 'mid', 'new', 'live'];
    for (const name of names) await engine.spawn({ name, prompt: `Work of ${name}`, cwd: h.root });
    await Promise.all(names.map((name) => waitForStatus(engine, name, 'idle', 30_000)));
    const ids = new Map(engine.list().map((record) => [record.name, record.id]));
    for (const name of ['old-1', 'old-2', 'mid', 'new']) await engine.kill(name);
    assert.equal(engine.list().length, 5, 'an engine that does not lead forgets nothing');
    const folder = (name: string) => join(h.stateDir, 'sessions', ids.get(name)!);
    assert.ok(['old-1', 'old-2', 'mid'].every((name) => existsSync(folder(name))), 'each ended one has its files (its snapshot)');
    engine.setLeading(true);
    await waitFor('the registry trimmed', () => engine.list().length === 3 || undefined, 20_000, 100);
    assert.deepEqual(engine.list().map((record) => record.name).sort(), ['live', 'mid', 'new']);
    assert.equal(engine.get('live')?.status, 'idle', 'the live session untouched');
    assert.deepEqual(['old-1', 'old-2', 'mid'].map((name) => existsSync(folder(name))), [false, false, true], "the forgotten ones' files went with them");
    // Raised to keep every one: nothing more goes, and a new ending trims nothing.
    engine.configure({ keepEnded: 0 });
    await engine.kill('live');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(engine.list().length, 3);
    // Lowered: trimmed to it at once.
    engine.configure({ keepEnded: 1 });
    await waitFor('trimmed to one', () => engine.list().length === 1 || undefined, 20_000, 100);
    assert.deepEqual(engine.list().map((record) => record.name), ['live']);
    engine.setLeading(false);
  });
});
