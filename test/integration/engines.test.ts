/**
 * Several engines on one workspace (windows, a reloading host, a host that crashed), on a real
 * tmux server: tmux's tags are the record of what runs, events are read by every engine, and
 * what one engine does (spawn, kill, remove) shows in the others. Hosts killed with SIGKILL run
 * in processes of their own (engineHost.child.ts).
 */
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SessionEngine } from '../../src/core/sessions/sessionEngine';
import type { Storage } from '../../src/core/util/host';
import { CommandRunner, ProcessRunner } from '../../src/core/util/commandRunner';
import { isInstarError } from '../../src/core/util/errors';
import { Harness, RECORDER_AGENT, startHarness } from '../support/engineHarness';
import type { HostState } from '../support/engineHost.child';
import { freePort } from '../support/freePort';
import { HostProcess } from '../support/hostProcess';
import type { SessionRecord } from '../../src/core/model/sessionRecord';
import { FileStorage, MemoryStorage } from '../support/storage';
import { tmuxOn, tmuxSessionsNamed } from '../support/tmuxServer';
import { writeQuietAgent } from '../support/quietAgent';
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
    const elsewhere = otherWorkspace.get('elsewhere')!.tmuxSession;
    const listed = (await late.listTmuxSessions()).find((session) => session.name === elsewhere);
    assert.ok(listed?.known && listed.otherWorkspace, 'nor is it taken for one Instar did not start');
    await assert.rejects(late.adopt(elsewhere), (error: unknown) => isInstarError(error, 'name-taken') && /another workspace/.test((error as Error).message));
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
        // The spawn may answer first where the host dies saving its registry just after.
        await host.request({ op: 'spawn', request: { name, prompt: 'crash test', cwd } }).catch(() => undefined);
        assert.equal(await host.exited, 'SIGKILL');

        // The next engine, on what the dead host left (its storage, the state folder, tmux): as a reload.
        const next = await second(await FileStorage.open(storageFile));
        const inTmux = tmuxSessionsNamed(h.socket, name).length > 0;
        if (step === 'before new-session') {
          assert.equal(inTmux, false);
          assert.equal(next.get(name), undefined);
        } else {
          assert.equal(inTmux, true, 'the agent runs');
          const record = next.get(name);
          assert.ok(record, 'and the next engine knows it');
          assert.equal(record.endedAt, undefined);
          assert.equal(record.prompt, 'crash test');
          assert.ok((await next.listTmuxSessions()).find((session) => session.name === record.tmuxSession)?.known, 'not shown as one Instar did not start');
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

describe('two hosts of one workspace in two processes, with a minutely job and the API', () => {
  let h: Harness;
  let cwd: string;
  const hosts: HostProcess[] = [];

  before(async () => {
    h = await startHarness('leader', { agentCommand: RECORDER_AGENT, monitorIntervalMs: 0 });
    cwd = join(h.root, 'work');
    await mkdir(cwd);
    await mkdir(join(h.root, 'records'), { recursive: true });
    process.env.RECORD_DIR = join(h.root, 'records');
  });
  after(async () => {
    for (const host of hosts) await host.kill9();
    await h.dispose();
  });

  it('fires each minute once, keeps every record in both, and hands the jobs and the API over when the leader is killed', async () => {
    const port = await freePort();
    const token = 't'.repeat(64);
    const jobs = JSON.stringify([{ slug: 'minutely', schedule: '* * * * *', prompt: 'a minutely job' }]);
    const start = async (label: string) => {
      const { host } = await HostProcess.start({ label, stateDir: h.stateDir, storageFile: join(h.root, `${label}.json`), socket: h.socket, agentCommand: RECORDER_AGENT, cwd, jobs, api: { port, token } });
      hosts.push(host);
      return host;
    };
    const started = Date.now();
    const first = await start('window-1');
    const second = await start('window-2');
    const states = async () => Promise.all([first, second].map((host) => host.request<HostState>({ op: 'state' })));
    const [s1, s2] = await waitFor('one of the two to lead', async () => {
      const both = await states();
      return both.filter((state) => state.leading && state.api && state.jobs).length === 1 ? both : undefined;
    }, 10_000);
    assert.ok(!(s1.leading && s2.leading), 'one leader');
    assert.ok(!s1.leading || (!s2.api && !s2.jobs), 'the follower runs neither jobs nor the API');
    const [leader, follower] = s1.leading ? [first, second] : [second, first];

    const list = (host: HostProcess) => host.request<SessionRecord[]>({ op: 'list' });
    const runs = async (host: HostProcess) => (await list(host)).filter((record) => record.jobSlug === 'minutely').map((record) => record.name).sort();
    /** Both hosts show the same sessions in the same states (within a second or two of each other). */
    const sameInBoth = async (a: HostProcess, b: HostProcess) => {
      const since = Date.now();
      const same = await waitFor('both hosts to show the same sessions and states', async () => {
        const [x, y] = await Promise.all([list(a), list(b)]);
        const view = (records: SessionRecord[]) => JSON.stringify(records.map((r) => [r.name, r.id, r.status]).sort());
        return view(x) === view(y) ? x : undefined;
      }, 5000, 50);
      console.log(`the same ${same.length} sessions and states in both after ${Date.now() - since} ms`);
      return same;
    };

    // A session spawned in the follower shows in the leader too.
    await follower.request({ op: 'spawn', request: { name: 'by-hand', prompt: '', cwd } });
    await sameInBoth(leader, follower);

    // Two minutes of firings under the first leader: each once, known to both.
    const firstRuns = await waitFor('two firings', async () => {
      const names = await runs(leader);
      return names.length >= 2 ? names : undefined;
    }, 150_000, 500);
    console.log(`firings under the first leader: ${firstRuns.join(', ')}`);
    await sameInBoth(leader, follower);
    assert.deepEqual(await runs(follower), firstRuns, 'fired once each, known to both');
    const firstRun = firstRuns[0];

    const killedAt = Date.now();
    await leader.kill9();
    await waitFor('the other host to take over the jobs and the API', async () => {
      const state = await follower.request<HostState>({ op: 'state' });
      return state.leading && state.api && state.jobs ? state : undefined;
    }, 15_000, 50);
    console.log(`take-over after the leader was killed: ${Date.now() - killedAt} ms`);
    const health = await fetch(`http://127.0.0.1:${port}/sessions`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(health.status, 200, 'the API answers again, from the new leader');
    const listed = (await health.json()) as { name: string }[];
    assert.ok(listed.some((session) => session.name === 'by-hand') && listed.some((session) => session.name === firstRun), 'with every session');

    const allRuns = await waitFor('the next firing, by the new leader', async () => {
      const names = await runs(follower);
      return names.length >= 3 ? names : undefined;
    }, 75_000, 500);
    // Each minute fired once: no "-2" run of a minute, across the hand-over.
    assert.equal(allRuns.length, 3, `runs: ${allRuns.join(', ')}`);
    assert.ok(allRuns.every((name) => /^job-minutely-\d{8}-\d{4}$/.test(name)), `runs: ${allRuns.join(', ')}`);
    const late = await start('window-3');
    assert.equal((await late.request<HostState>({ op: 'state' })).leading, false, 'a window opened later follows');
    await sameInBoth(follower, late);
    console.log(`two hosts of one workspace ran for ${Math.round((Date.now() - started) / 1000)} s`);
  });
});

describe('agents without hooks', () => {
  it('cost one list-panes per refresh once quiet: a screen is read again only where the pane printed', async () => {
    const calls: string[][] = [];
    const counting: CommandRunner = {
      run(file, args, options) {
        calls.push([...args]);
        return runner.run(file, args, options);
      },
    };
    const runner = new ProcessRunner();
    const h = await startHarness('hookless', { agentCommand: 'cat', monitorIntervalMs: 250, runner: counting });
    try {
      const names = Array.from({ length: 10 }, (_, i) => `quiet-${i}`);
      for (const name of names) await h.engine.spawn({ name, prompt: '', cwd: h.root });
      for (const name of names) await waitForStatus(h.engine, name, 'idle', 20_000);
      const captures = () => calls.filter((args) => args.includes('capture-pane')).length;
      // The timer stops; a second passes after the last capture; then a few refreshes: nothing printed.
      h.engine.setMonitorInterval(0);
      await new Promise((resolve) => setTimeout(resolve, 2100));
      await h.engine.refresh();
      const before = { captures: captures(), calls: calls.length };
      for (let i = 0; i < 5; i += 1) await h.engine.refresh();
      assert.equal(captures() - before.captures, 0, 'no screen read while nothing printed');
      assert.equal(calls.length - before.calls, 5, 'one tmux call per refresh');

      // One session prints (cat echoes what is typed): its screen alone is read again, and it runs.
      h.engine.setMonitorInterval(250);
      await h.engine.sendInput('quiet-3', 'hello', { submit: false });
      await waitForStatus(h.engine, 'quiet-3', 'running', 10_000);
      h.engine.setMonitorInterval(0);
      const reads = calls.filter((args) => args.includes('capture-pane')).slice(before.captures).map((args) => args[args.indexOf('-t') + 1]);
      const pane = h.engine.get('quiet-3')?.paneId;
      assert.ok(reads.length > 0 && reads.every((target) => target === pane), `only quiet-3's pane was read (${reads.join(', ')})`);
      for (const name of names) if (name !== 'quiet-3') assert.equal(h.engine.get(name)?.status, 'idle');
    } finally {
      await h.dispose();
    }
  });

  it('checks less often while all is quiet, and sees an exit at once through its status file', async () => {
    let listings = 0;
    const runner = new ProcessRunner();
    const counting: CommandRunner = {
      run(file, args, options) {
        if (args.includes('list-panes')) listings += 1;
        return runner.run(file, args, options);
      },
    };
    const h = await startHarness('stretch', { agentCommand: RECORDER_AGENT, monitorIntervalMs: 200, runner: counting });
    try {
      await mkdir(join(h.root, 'records'));
      process.env.RECORD_DIR = join(h.root, 'records');
      await h.engine.spawn({ name: 'still', prompt: '', cwd: h.root });
      await waitForStatus(h.engine, 'still', 'idle', 20_000);
      // Settled: the period stretches to 4 × 200 ms within a few checks.
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const before = listings;
      await new Promise((resolve) => setTimeout(resolve, 4000));
      const quiet = listings - before;
      console.log(`${quiet} listings in 4 s of quiet with the monitor at 200 ms`);
      assert.ok(quiet <= 8, `${quiet} listings in 4 s: the monitor did not slow down (20 at its period)`);

      const started = performance.now();
      await h.engine.sendInput('still', 'EXIT 7');
      const { record } = await waitForStatus(h.engine, 'still', (r) => r.endedAt !== undefined, 20_000);
      console.log(`exit seen ${Math.round(performance.now() - started)} ms after the input that ends it`);
      assert.equal(record.status, 'error');
      assert.equal(record.exitCode, 7);
    } finally {
      await h.dispose();
    }
  });

});

describe('Claude Code sessions on a server tmux watches', () => {
  it("hears from tmux itself when a session or its server ends, so a quiet monitor checks only now and then", async () => {
    let listings = 0;
    let waits = 0;
    const runner = new ProcessRunner();
    const counting: CommandRunner = {
      run(file, args, options) {
        if (args.includes('list-panes')) listings += 1;
        if (args.includes('wait-for')) waits += 1;
        return runner.run(file, args, options);
      },
    };
    const bin = await mkdtemp(join(tmpdir(), 'instar-watched-'));
    const agent = await writeQuietAgent(bin);
    const h = await startHarness('watched', { agentCommand: agent, monitorIntervalMs: 200, runner: counting });
    try {
      for (const name of ['calm-1', 'calm-2']) await h.engine.spawn({ name, prompt: '', cwd: h.root });
      // Idle by their SessionStart hooks (the stand-in writes one, as Claude Code does).
      for (const name of ['calm-1', 'calm-2']) await waitForStatus(h.engine, name, 'idle', 20_000);
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const before = listings;
      await new Promise((resolve) => setTimeout(resolve, 6000));
      const quiet = listings - before;
      console.log(`${quiet} listings in 6 s of quiet with the monitor at 200 ms (tmux watched; 4 × 200 ms unwatched would be 7 or 8), ${waits} waits on tmux so far`);
      assert.ok(quiet <= 4, `${quiet} listings in 6 s: the checks did not thin out while tmux was watched`);

      // No checks at all from here: what ends is heard from tmux alone.
      h.engine.setMonitorInterval(0);
      let started = performance.now();
      tmuxOn(h.socket, 'kill-session', '-t', `=${h.engine.get('calm-1')!.tmuxSession}`);
      const gone = await waitForStatus(h.engine, 'calm-1', (r) => r.endedAt !== undefined, 20_000);
      console.log(`a session killed from a shell seen ended ${Math.round(performance.now() - started)} ms later, with the monitor off`);
      assert.equal(gone.record.status, 'lost');
      assert.equal(h.engine.get('calm-2')?.status, 'idle');

      started = performance.now();
      tmuxOn(h.socket, 'kill-server');
      const lost = await waitForStatus(h.engine, 'calm-2', (r) => r.endedAt !== undefined, 20_000);
      console.log(`the killed server's last session seen lost ${Math.round(performance.now() - started)} ms later; ${waits} waits on tmux in all`);
      assert.equal(lost.record.status, 'lost');
    } finally {
      await h.dispose();
      await rm(bin, { recursive: true, force: true });
    }
  });
});
