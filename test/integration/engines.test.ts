/**
 * Several engines on one workspace (windows, a reloading host, a host that crashed), on a real
 * tmux server: tmux's tags are the record of what runs, events are read by every engine, and
 * what one engine does (spawn, kill, remove) shows in the others. Hosts killed with SIGKILL run
 * in processes of their own (engineHost.child.ts).
 */
import assert from 'node:assert/strict';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SessionEngine } from '../../src/core/sessions/sessionEngine';
import type { Storage } from '../../src/core/util/host';
import { isInstarError } from '../../src/core/util/errors';
import { Harness, RECORDER_AGENT, startHarness } from '../support/engineHarness';
import { HostProcess } from '../support/hostProcess';
import { FileStorage, MemoryStorage } from '../support/storage';
import { tmuxOn } from '../support/tmuxServer';
import { waitFor, waitForStatus } from '../support/wait';

describe('several engines on one workspace', () => {
  let h: Harness;
  let cwd: string;
  const others: SessionEngine[] = [];

  /** Another engine of the same workspace: the same state folder and tmux server, its own storage (a window's workspaceState). */
  const second = async (storage: Storage = new MemoryStorage()) => {
    const engine = await SessionEngine.create({ stateDir: h.stateDir, storage, socket: h.socket, agentCommand: RECORDER_AGENT, monitorIntervalMs: 250 });
    others.push(engine);
    return engine;
  };

  before(async () => {
    h = await startHarness('engines', { agentCommand: RECORDER_AGENT });
    cwd = join(h.root, 'work');
    await mkdir(cwd);
    await mkdir(join(h.root, 'records'));
    process.env.RECORD_DIR = join(h.root, 'records');
  });
  after(async () => {
    for (const engine of others) engine.dispose();
    await h.dispose();
  });

  it('shows a session spawned in one engine in the other at once, as the same session', async () => {
    const b = await second();
    const started = performance.now();
    const spawned = await h.engine.spawn({ name: 'from-a', prompt: 'look around', model: 'haiku', cwd, jobSlug: 'nightly' });
    const { record, ms } = await waitForStatus(b, 'from-a', () => true, 10_000);
    console.log(`a spawn in one engine seen by the other after ${Math.round(performance.now() - started)} ms (${ms} ms after the spawn returned)`);
    for (const key of ['id', 'model', 'prompt', 'promptBytes', 'cwd', 'jobSlug', 'createdAt', 'permissionMode', 'agentKind', 'tmuxSession'] as const) {
      assert.deepEqual(record[key], spawned[key], key);
    }
    assert.equal(record.endedAt, undefined);

    const fromB = await b.spawn({ name: 'from-b', prompt: '', cwd });
    const inA = await waitForStatus(h.engine, 'from-b', () => true, 10_000);
    assert.equal(inA.record.id, fromB.id);
  });

  it('ends a session killed in one engine as killed in every engine, never lost, and forgets a removed one everywhere', async () => {
    const b = others[0];
    await h.engine.spawn({ name: 'to-kill', prompt: '', cwd });
    await waitForStatus(b, 'to-kill', () => true, 10_000);
    await h.engine.kill('to-kill');
    const { record } = await waitForStatus(b, 'to-kill', (r) => r.endedAt !== undefined, 10_000);
    assert.equal(record.status, 'killed', `the other engine saw ${record.status} (${record.statusDetail ?? ''})`);

    await h.engine.remove('to-kill');
    await waitFor('the removal in the other engine', () => b.get('to-kill') === undefined, 10_000);
    // The name is free again, in both.
    await b.spawn({ name: 'to-kill', prompt: '', cwd });
    const again = await waitForStatus(h.engine, 'to-kill', (r) => r.endedAt === undefined, 10_000);
    assert.equal(again.record.id, b.get('to-kill')?.id);
  });

  it('gives an engine that starts late every session of its workspace, and none of another workspace', async () => {
    const foreignState = join(h.root, 'other-workspace');
    const otherWorkspace = await SessionEngine.create({ stateDir: foreignState, storage: new MemoryStorage(), socket: h.socket, agentCommand: RECORDER_AGENT, monitorIntervalMs: 0 });
    others.push(otherWorkspace);
    await otherWorkspace.spawn({ name: 'elsewhere', prompt: '', cwd });
    await h.engine.spawn({ name: 'before-late', prompt: '', cwd });

    const late = await second();
    assert.ok(late.get('before-late'), 'found at start, from the tags');
    assert.ok(late.get('from-a') && late.get('from-b'));
    assert.equal(late.get('elsewhere'), undefined, "another workspace's session is not this one's");
    assert.equal(h.engine.get('elsewhere'), undefined);
    const listed = (await late.listTmuxSessions()).find((session) => session.name === 'elsewhere');
    assert.ok(listed?.known && listed.otherWorkspace, 'nor is it taken for one Instar did not start');
    await assert.rejects(late.adopt('elsewhere'), (error: unknown) => isInstarError(error, 'name-taken') && /another workspace/.test((error as Error).message));
    assert.equal(otherWorkspace.get('before-late'), undefined);
  });

  describe('a host killed with SIGKILL in the middle of a spawn', () => {
    /** A tmux that kills the host that runs it (its parent) just before or just after creating a session. */
    const crashingTmux = async (when: 'before' | 'after') => {
      const file = join(h.root, `tmux-crash-${when}`);
      const run = when === 'before' ? 'kill -9 "$PPID"; sleep 5; exit 1' : 'tmux "$@"; s=$?; kill -9 "$PPID"; exit $s';
      await writeFile(file, `#!/bin/sh\ncase " $* " in\n  *" new-session "*) ${run} ;;\nesac\nexec tmux "$@"\n`);
      await chmod(file, 0o755);
      return file;
    };

    const steps = { 'before new-session': 'crash-before', 'right after new-session': 'crash-after', 'before the record is saved': 'crash-unsaved' } as const;
    for (const [step, name] of Object.entries(steps)) {
      it(`leaves nothing live unknown (${step}): the next engine adopts or cleans up, the name can be killed and reused`, async () => {
        const storageFile = join(h.root, `${name}.storage.json`);
        const { host } = await HostProcess.start({
          label: name,
          stateDir: h.stateDir,
          storageFile,
          socket: h.socket,
          agentCommand: RECORDER_AGENT,
          cwd,
          tmuxBinary: step === 'before the record is saved' ? undefined : await crashingTmux(step === 'before new-session' ? 'before' : 'after'),
          crashBeforeSaving: step === 'before the record is saved' ? name : undefined,
        });
        await assert.rejects(host.request({ op: 'spawn', request: { name, prompt: 'crash test', cwd } }), /exited/);
        assert.equal(await host.exited, 'SIGKILL');

        // The next engine, on what the dead host left (its storage, the state folder, tmux): as a reload.
        const next = await second(await FileStorage.open(storageFile));
        const inTmux = tmuxOn(h.socket, 'list-sessions', '-F', '#{session_name}').split('\n').includes(name);
        if (step === 'before new-session') {
          assert.equal(inTmux, false);
          assert.equal(next.get(name), undefined);
        } else {
          assert.equal(inTmux, true, 'the agent runs');
          const record = next.get(name);
          assert.ok(record, 'and the next engine knows it');
          assert.equal(record.endedAt, undefined);
          assert.equal(record.prompt, 'crash test');
          assert.ok((await next.listTmuxSessions()).find((session) => session.name === name)?.known, 'not shown as one Instar did not start');
          await waitForStatus(h.engine, name, () => true, 10_000); // the first engine too
          const killed = await next.kill(name);
          assert.equal(killed.status, 'killed');
          await next.remove(name);
        }
        const reused = await next.spawn({ name, prompt: '', cwd });
        assert.equal(reused.status, 'starting');
        await next.kill(name);
        await next.remove(name);
      });
    }
  });
});
