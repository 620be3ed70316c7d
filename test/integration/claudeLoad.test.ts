/**
 * Under load, with the real Claude Code: 20 sessions spawned at once on this 2-core machine, and a
 * second engine of the same workspace watching. No session may be called idle before its prompt
 * reached the (fake) Messages API, and both engines must end with every session idle with its answer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SessionStatus } from '../../src/core/model/sessionRecord';
import { SessionEngine } from '../../src/core/sessions/sessionEngine';
import { ClaudeRig, startClaudeRig } from '../support/claudeRig';
import { claudesUnderTest } from '../support/claudeVersions';
import { defaultHandler } from '../support/fakeMessagesApi';
import { MemoryStorage } from '../support/storage';
import { waitForStatus } from '../support/wait';

const SESSIONS = 20;

describe(`${SESSIONS} real Claude Code sessions spawned at once, seen by two engines`, () => {
  const { binary, label } = claudesUnderTest()[0];
  let rig: ClaudeRig;
  let watcher: SessionEngine;
  /** When each prompt reached the fake API, by its text. */
  const arrived = new Map<string, number>();
  /** When each engine first called each session each status. */
  const firstSeen = [new Map<string, Map<SessionStatus, number>>(), new Map<string, Map<SessionStatus, number>>()];

  const follow = (engine: SessionEngine, seen: Map<string, Map<SessionStatus, number>>) =>
    engine.onDidChange(({ changed }) => {
      const now = Date.now();
      for (const record of changed) {
        const statuses = seen.get(record.name) ?? new Map<SessionStatus, number>();
        if (!statuses.has(record.status)) statuses.set(record.status, now);
        seen.set(record.name, statuses);
      }
    });

  before(async () => {
    rig = await startClaudeRig('load', binary, 500);
    rig.api.setHandler((request) => {
      if (!request.isSide && !request.hasToolResult && !arrived.has(request.lastUserText)) arrived.set(request.lastUserText, Date.now());
      return defaultHandler(request);
    });
    watcher = await SessionEngine.create({ stateDir: rig.h.stateDir, storage: new MemoryStorage(), socket: rig.h.socket, monitorIntervalMs: 500 });
    follow(rig.h.engine, firstSeen[0]);
    follow(watcher, firstSeen[1]);
  });
  after(async () => {
    watcher.dispose();
    await rig.dispose();
  });

  it(`calls none idle before its prompt reached the API, and all idle with their answers in both engines (Claude Code ${label})`, async () => {
    const started = Date.now();
    const names = Array.from({ length: SESSIONS }, (_, i) => `load-${i}`);
    const prompt = (name: string) => `Load task for ${name}`;
    await Promise.all(names.map((name) => rig.h.engine.spawn({ name, prompt: prompt(name), cwd: rig.cwd })));
    const spawnedMs = Date.now() - started;
    for (const engine of [rig.h.engine, watcher]) {
      for (const name of names) await waitForStatus(engine, name, 'idle', 240_000);
    }
    const lastPrompt = Math.max(...names.map((name) => arrived.get(prompt(name)) ?? Number.NaN));
    console.log(`${SESSIONS} spawns returned after ${spawnedMs} ms; every prompt reached the API after ${lastPrompt - started} ms; all idle in both engines after ${Date.now() - started} ms`);

    for (const name of names) {
      const reached = arrived.get(prompt(name));
      assert.ok(reached !== undefined, `${name}'s prompt reached the API`);
      firstSeen.forEach((seen, engine) => {
        const idleAt = seen.get(name)?.get('idle');
        assert.ok(idleAt !== undefined && idleAt >= reached, `engine ${engine + 1} called ${name} idle ${idleAt === undefined ? 'never' : `${reached - idleAt} ms before its prompt reached the API`}`);
      });
      const record = rig.h.engine.get(name)!;
      assert.equal(record.statusSignal, 'hook', `${name} is idle by its Stop hook`);
      assert.equal(watcher.get(name)?.status, 'idle');
      assert.equal(watcher.get(name)?.lastPromptAt, record.lastPromptAt, 'the watching engine read the same events');
      assert.match(await rig.h.engine.output(name, { lines: 40 }), new RegExp(`OK: ${prompt(name)}`), `${name} shows its answer`);
    }
  });

  it('shows a kill and a resume made in one engine in the other: killed, then back with its follow-up answered', async () => {
    const killed = await rig.h.engine.kill('load-0');
    assert.equal(killed.status, 'killed');
    const { record: seenKilled } = await waitForStatus(watcher, 'load-0', (record) => record.endedAt !== undefined, 30_000);
    assert.equal(seenKilled.status, 'killed', `the watcher saw ${seenKilled.status} (${seenKilled.statusDetail ?? ''})`);

    await rig.h.engine.resume('load-0', 'And a follow-up');
    const { record: back } = await waitForStatus(watcher, 'load-0', (record) => record.endedAt === undefined && record.runs === 2, 30_000);
    assert.equal(back.statusDetail === 'resumed in another window' || back.statusSignal === 'hook', true, `back in the watcher as ${back.status} (${back.statusSignal}: ${back.statusDetail ?? ''})`);
    for (const engine of [rig.h.engine, watcher]) await waitForStatus(engine, 'load-0', (record) => record.status === 'idle' && record.lastPromptAt !== undefined && record.lastPromptAt > (killed.endedAt ?? 0), 90_000);
    assert.ok(arrived.has('And a follow-up'), 'the follow-up reached the API');
  });
});
