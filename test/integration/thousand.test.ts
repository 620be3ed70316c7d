/**
 * A thousand quiet hooked sessions on one private tmux server: every one listed with its true
 * state (idle, running, waiting, killed, as its hook events and kills say), by the engine that
 * spawned them and by a second one started on the same registry (a reload); one session killed
 * from a shell seen as lost, the others untouched; and the whole server, with its thousand agent
 * processes, gone after.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { SessionStatus } from '../../src/core/model/sessionRecord';
import { SessionEngine } from '../../src/core/sessions/sessionEngine';
import { Harness, startHarness } from '../support/engineHarness';
import { writeHookEvent, writeQuietAgent } from '../support/quietAgent';
import { tmuxOn } from '../support/tmuxServer';
import { waitFor } from '../support/wait';

/** INSTAR_TEST_SESSIONS=N runs it with fewer (or more) while working on it. */
const COUNT = Number(process.env.INSTAR_TEST_SESSIONS ?? 1000);
/** Spawns under way at once. */
const AT_ONCE = 8;

const nameOf = (i: number) => `s-${String(i).padStart(4, '0')}`;

/** What each session is made to be: a tenth running, a tenth waiting, a twentieth killed, the rest idle. */
function intended(i: number): SessionStatus {
  if (i % 10 === 1) return 'running';
  if (i % 10 === 2) return 'waiting';
  if (i % 20 === 3) return 'killed';
  return 'idle';
}

/** The names whose state differs from what was made, with both (the first ten). */
function disagreements(engine: SessionEngine, expected: (i: number) => SessionStatus): string[] {
  const wrong: string[] = [];
  for (let i = 0; i < COUNT; i += 1) {
    const status = engine.get(nameOf(i))?.status ?? 'not listed';
    if (status !== expected(i)) wrong.push(`${nameOf(i)}: ${status}, not ${expected(i)}`);
  }
  return wrong.slice(0, 10).concat(wrong.length > 10 ? [`…${wrong.length} in all`] : []);
}

describe(`${COUNT} quiet sessions on one tmux server`, { timeout: 20 * 60_000 }, () => {
  let h: Harness;
  let events: string;
  let bin: string;
  let agentPids: number[] = [];
  before(async () => {
    bin = await mkdtemp(join(tmpdir(), 'instar-thousand-bin-'));
    const agent = await writeQuietAgent(bin);
    h = await startHarness('thousand', { agentCommand: agent, maxLiveSessions: 0, keepEnded: 0, monitorIntervalMs: 1000 });
    events = join(h.stateDir, 'events');
  });
  after(async () => {
    await h?.dispose();
    await rm(bin, { recursive: true, force: true });
  });

  it('spawns every one, each idle once its agent said SessionStart', async () => {
    const started = Date.now();
    for (let i = 0; i < COUNT; i += AT_ONCE) {
      const batch = Array.from({ length: Math.min(AT_ONCE, COUNT - i) }, (_, k) => i + k);
      await Promise.all(batch.map((n) => h.engine.spawn({ name: nameOf(n), prompt: '', cwd: h.root })));
    }
    const spawned = Date.now() - started;
    await waitFor('every session idle', () => h.engine.list().every((record) => record.status === 'idle') || undefined, 5 * 60_000, 200);
    assert.equal(h.engine.list().length, COUNT);
    const tmuxSessions = tmuxOn(h.socket, 'list-sessions', '-F', '#{session_name}').trim().split('\n');
    assert.equal(tmuxSessions.length, COUNT, 'one tmux session each');
    agentPids = tmuxOn(h.socket, 'list-panes', '-a', '-F', '#{pane_pid}').trim().split('\n').map(Number);
    assert.equal(new Set(agentPids).size, COUNT, 'each with its agent process');
    console.log(`${COUNT} sessions spawned in ${(spawned / 1000).toFixed(1)} s (${AT_ONCE} at once), all idle ${((Date.now() - started) / 1000).toFixed(1)} s after the first`);
  });

  it('lists every one with its true state, in this engine and in one started afresh on the same registry', async () => {
    const { engine } = h;
    const ids = new Map(engine.list().map((record) => [record.name, record.id]));
    for (let i = 0; i < COUNT; i += 1) {
      const id = ids.get(nameOf(i))!;
      const state = intended(i);
      if (state === 'running') await writeHookEvent(events, id, { hook_event_name: 'UserPromptSubmit', prompt: `task ${i}` });
      if (state === 'waiting') await writeHookEvent(events, id, { hook_event_name: 'Notification', notification_type: 'permission_prompt', message: 'Claude needs your permission to use Bash' });
    }
    const killed = Array.from({ length: COUNT }, (_, i) => i).filter((i) => intended(i) === 'killed');
    for (let i = 0; i < killed.length; i += AT_ONCE) await Promise.all(killed.slice(i, i + AT_ONCE).map((n) => engine.kill(nameOf(n))));
    await waitFor('every state as made', () => disagreements(engine, intended).length === 0 || undefined, 120_000, 250).catch((error) => {
      throw new Error(`${(error as Error).message}: ${disagreements(engine, intended).join('; ')}`);
    });
    // Held, not a moment's agreement: the monitor's screen checks (a blank screen) change none of them.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    assert.deepEqual(disagreements(engine, intended), []);

    const started = Date.now();
    const fresh = await h.restart();
    const startMs = Date.now() - started;
    assert.equal(fresh.list().length, COUNT);
    await waitFor('the fresh engine agrees', () => disagreements(fresh, intended).length === 0 || undefined, 120_000, 250).catch((error) => {
      throw new Error(`${(error as Error).message}: ${disagreements(fresh, intended).join('; ')}`);
    });
    console.log(`a start on the registry of ${COUNT}: ${startMs} ms`);
  });

  it('sees one session killed from a shell as lost, and nothing else changes', async () => {
    const victim = 5; // idle
    assert.equal(intended(victim), 'idle');
    execFileSync('tmux', ['-L', h.socket, 'kill-session', '-t', `=${h.engine.get(nameOf(victim))!.tmuxSession}`]);
    const expected = (i: number): SessionStatus => (i === victim ? 'lost' : intended(i));
    await waitFor(`${nameOf(victim)} lost`, () => h.engine.get(nameOf(victim))?.status === 'lost' || undefined, 60_000, 100);
    await h.engine.refresh();
    assert.deepEqual(disagreements(h.engine, expected), []);
  });

  it('leaves no tmux server and no agent process behind', async () => {
    const state = h.stateDir;
    await h.dispose();
    assert.throws(() => execFileSync('tmux', ['-L', h.socket, 'list-sessions'], { stdio: 'pipe' }), 'the private server is gone');
    await waitFor('every agent process gone', () => agentPids.every((pid) => !alive(pid)) || undefined, 30_000, 200);
    assert.deepEqual(await readdir(state).catch(() => []), [], 'the state folder removed with the test');
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
