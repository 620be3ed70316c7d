/**
 * Two workspaces on one tmux server (two projects open at once, one user): a session's name and a
 * job's runs belong to their workspace. The same name spawns in both, each steered, read and
 * killed on its own; the same job firing in the same minute runs in both; and a session started
 * before the workspace naming (its tmux name is its name) stays known, steerable and killable.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AgentKind } from '../../src/core/model/sessionRecord';
import { ApiServer } from '../../src/core/http/apiServer';
import { JobScheduler } from '../../src/core/jobs/jobScheduler';
import { taggedRecordOf, workspaceKeyOf } from '../../src/core/sessions/recordTags';
import { SessionEngine } from '../../src/core/sessions/sessionEngine';
import { tagCommands } from '../../src/core/tmux/sessionTags';
import { silentLogger } from '../../src/core/util/host';
import { REPO } from '../support/engineHarness';
import { MemoryStorage } from '../support/storage';
import { cleanupSocket, privateSocket, tmuxOn, tmuxSessionsNamed } from '../support/tmuxServer';
import { writeHookEvent, writeQuietAgent } from '../support/quietAgent';
import { waitFor, waitForStatus } from '../support/wait';

describe('two workspaces on one tmux server', () => {
  let root: string;
  let socket: string;
  let echo: string;
  const engines: SessionEngine[] = [];
  const schedulers: JobScheduler[] = [];
  let alpha: { engine: SessionEngine; folder: string };
  let beta: { engine: SessionEngine; folder: string };

  /** A workspace: its folder, its own state folder (so its own key), an engine labelled with the folder's name. */
  const workspace = async (label: string) => {
    const folder = join(root, label);
    await mkdir(folder, { recursive: true });
    const engine = await SessionEngine.create({ stateDir: join(root, `${label}-state`), workspaceLabel: label, storage: new MemoryStorage(), socket, agentCommand: echo, monitorIntervalMs: 250 });
    engines.push(engine);
    return { engine, folder };
  };

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'instar-names-'));
    socket = privateSocket('names');
    // An agent that shows what it is sent: the terminal echoes each line typed into `cat`.
    echo = join(root, 'echo-agent');
    await writeFile(echo, '#!/bin/sh\necho "agent in $PWD"\nexec cat\n');
    await chmod(echo, 0o755);
    alpha = await workspace('alpha');
    beta = await workspace('Beta.Project');
  });
  after(async () => {
    for (const scheduler of schedulers) scheduler.dispose();
    for (const engine of engines) engine.dispose();
    cleanupSocket(socket);
    await rm(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  });

  it('spawns the same name in both: two tmux sessions that say their project, each steered, read and killed on its own', async () => {
    const a = await alpha.engine.spawn({ name: 'a1', prompt: '', cwd: alpha.folder });
    const b = await beta.engine.spawn({ name: 'a1', prompt: '', cwd: beta.folder });
    assert.match(a.tmuxSession, /^alpha-[0-9a-f]{4}\/a1$/);
    assert.match(b.tmuxSession, /^beta-project-[0-9a-f]{4}\/a1$/, "the folder's name as tmux allows it");
    assert.deepEqual(tmuxSessionsNamed(socket, 'a1').sort(), [a.tmuxSession, b.tmuxSession].sort());
    assert.deepEqual(alpha.engine.list().map((record) => record.name), ['a1'], "each engine knows only its workspace's a1");
    assert.deepEqual(beta.engine.list().map((record) => record.name), ['a1']);

    await waitFor("both agents' first line", async () => (await alpha.engine.output('a1')).includes('agent in') && (await beta.engine.output('a1')).includes('agent in'), 15_000);
    await alpha.engine.sendInput('a1', 'meant for alpha');
    await beta.engine.sendInput('a1', 'meant for beta');
    await waitFor('each line on its own screen', async () => (await alpha.engine.output('a1')).includes('meant for alpha') && (await beta.engine.output('a1')).includes('meant for beta'), 15_000);
    assert.doesNotMatch(await alpha.engine.output('a1'), /meant for beta/);
    assert.doesNotMatch(await beta.engine.output('a1'), /meant for alpha/);
    assert.match(await alpha.engine.output('a1'), new RegExp(`agent in ${alpha.folder}`));

    await alpha.engine.kill('a1');
    assert.equal(alpha.engine.get('a1')?.status, 'killed');
    assert.deepEqual(tmuxSessionsNamed(socket, 'a1'), [b.tmuxSession], "beta's a1 goes on");
    await beta.engine.refresh();
    assert.equal(beta.engine.get('a1')?.endedAt, undefined);
    await beta.engine.kill('a1');
  });

  it('runs the same job, firing in the same minute, in both workspaces', async () => {
    const minute = Date.UTC(2026, 11, 6, 3, 35);
    const jobs = JSON.stringify([{ slug: 'tick', schedule: '* * * * *', prompt: 'Tick' }]);
    const runs = [];
    for (const { engine, folder } of [alpha, beta]) {
      const scheduler = new JobScheduler(engine, { cwd: folder, storage: new MemoryStorage(), clock: { now: () => minute }, logger: silentLogger, runMissed: false });
      schedulers.push(scheduler);
      scheduler.load(jobs);
      runs.push(await scheduler.runNow('tick'));
    }
    const [inAlpha, inBeta] = runs;
    assert.ok(inAlpha && inBeta, 'both workspaces ran it');
    assert.equal(inAlpha.name, inBeta.name, 'the same run name in each');
    assert.match(inAlpha.name, /^job-tick-\d{8}-\d{4}$/);
    assert.notEqual(inAlpha.tmuxSession, inBeta.tmuxSession);
    assert.equal(tmuxSessionsNamed(socket, inAlpha.name).length, 2);
    assert.equal(inAlpha.cwd, alpha.folder);
    assert.equal(inBeta.cwd, beta.folder);
  });

  it("shows a session waiting for permission in another workspace's engine within 2 s, with its state and cost, and only while it lives", async () => {
    // Gamma's agent says it started through Claude Code's hooks; the test plays its later hooks.
    const agent = await writeQuietAgent(join(root, 'quiet-bin'));
    const gammaState = join(root, 'gamma-state');
    const gamma = await SessionEngine.create({ stateDir: gammaState, workspaceLabel: 'gamma', storage: new MemoryStorage(), socket, agentCommand: agent, monitorIntervalMs: 250 });
    engines.push(gamma);
    gamma.publisher.setPublishing(true);
    const asker = await gamma.spawn({ name: 'asker', prompt: '', cwd: root });
    await waitForStatus(gamma, 'asker', 'idle', 15_000);
    // Beta's engine as a window's is when nothing of its own happens: its monitor at a 1 s period, tmux watched.
    beta.engine.setMonitorInterval(1000);
    const seenIdle = await waitFor("asker, idle, in beta's list of other workspaces", () => beta.engine.others.list.find((other) => other.name === 'asker' && other.status === 'idle'), 10_000);
    assert.equal(seenIdle.tmuxSession, asker.tmuxSession);
    assert.equal(seenIdle.workspaceKey, gamma.workspaceKey);
    assert.equal(alpha.engine.others.list.some((other) => other.name === 'asker'), true, 'and in every other workspace');
    assert.equal(gamma.others.list.some((other) => other.name === 'asker'), false, 'not among its own workspace\'s others');
    await new Promise((resolve) => setTimeout(resolve, 3000)); // Quiet a while: beta's checks thin out.

    const askedAt = await writeHookEvent(join(gammaState, 'events'), asker.id, { hook_event_name: 'PermissionRequest', tool_name: 'Bash', tool_input: { command: 'rm -rf build' } });
    const changed = new Promise<number>((resolve) => {
      const subscription = beta.engine.others.onDidChange((sessions) => {
        if (sessions.some((other) => other.name === 'asker' && other.status === 'waiting')) {
          subscription.dispose();
          resolve(performance.timeOrigin + performance.now());
        }
      });
    });
    const seenAt = await Promise.race([changed, new Promise<number>((_, reject) => setTimeout(() => reject(new Error("beta never saw asker waiting")), 10_000))]);
    console.log(`another workspace's session waiting → seen in this workspace's engine after ${Math.round(seenAt - askedAt)} ms`);
    assert.ok(seenAt - askedAt < 2000, `seen after ${Math.round(seenAt - askedAt)} ms`);

    // Beta's API and `instar list --all` say the same, with gamma's folder as the machine noted it.
    const api = new ApiServer(beta.engine, { port: 0, token: 'beta-token', cwd: beta.folder, version: 'test', logger: silentLogger, workspaceFolders: async () => new Map([[gamma.workspaceKey, join(root, 'gamma')]]) });
    const port = await api.start();
    try {
      const response = await fetch(`http://127.0.0.1:${port}/workspaces`, { headers: { authorization: 'Bearer beta-token' } });
      const body = (await response.json()) as { others: { folder: string | null; sessions: { name: string; status: string }[] }[] };
      assert.deepEqual(body.others.find((other) => other.folder === join(root, 'gamma'))?.sessions.map((session) => [session.name, session.status]), [['asker', 'waiting']]);
      const listed = await new Promise<string>((resolve, reject) =>
        execFile(process.execPath, [join(REPO, 'dist', 'cli.js'), 'list', '--all'], { env: { ...process.env, INSTAR_SERVER_URL: `http://127.0.0.1:${port}`, INSTAR_AUTH_TOKEN: 'beta-token' } }, (error, stdout) => (error ? reject(error) : resolve(stdout))),
      );
      assert.match(listed, new RegExp(`${join(root, 'gamma')}:\\n.*\\n\\s*asker\\s+waiting for you`), listed);
    } finally {
      await api.stop();
    }

    await gamma.kill('asker');
    await waitFor("asker gone from beta's list", () => !beta.engine.others.list.some((other) => other.name === 'asker') || undefined, 10_000);
  });

  it("publishes every live session's state when it starts leading, one gone behind its back or not", async () => {
    const agent = await writeQuietAgent(join(root, 'quiet-bin'));
    const delta = await SessionEngine.create({ stateDir: join(root, 'delta-state'), workspaceLabel: 'delta', storage: new MemoryStorage(), socket, agentCommand: agent, monitorIntervalMs: 0 });
    engines.push(delta);
    const [gone, kept] = [await delta.spawn({ name: 'gone', prompt: '', cwd: root }), await delta.spawn({ name: 'kept', prompt: '', cwd: root })];
    await waitFor('both up', async () => {
      await delta.refresh();
      return (delta.get('gone')?.paneId !== undefined && delta.get('kept')?.paneId !== undefined) || undefined;
    }, 15_000);
    // Killed behind the engine's back, before it looked again: the one call that tags both fails at it.
    tmuxOn(socket, 'kill-session', '-t', `=${gone.tmuxSession}`);
    delta.publisher.setPublishing(true);
    const tag = () => tmuxOn(socket, 'show-options', '-qv', '-t', `=${kept.tmuxSession}:`, '@instar-state').trim();
    const published = await waitFor("kept's state in its tag", () => tag() || undefined, 10_000);
    assert.match(published, /^(starting|idle)$/);
    await delta.kill('kept');
  });

  it("keeps a session started before the workspace naming (tmux's name is its name) known, steerable and killable", async () => {
    // As an earlier version left it: the tmux session named as the session, tagged for alpha's workspace.
    const stateDir = join(root, 'alpha-state');
    const id = '0f6a2b1c-3d4e-4f50-8a9b-0c1d2e3f4a5b';
    const tagged = taggedRecordOf({
      name: 'legacy-1', id, status: 'starting', statusSince: 0, statusSignal: 'spawn', model: 'sonnet', prompt: '', promptBytes: 0, cwd: alpha.folder,
      permissionMode: 'default', agentKind: 'generic' as AgentKind, agentCommand: echo, createdAt: Date.now(), tmuxSocket: socket, tmuxSession: 'legacy-1', runs: 1,
    });
    const tags = tagCommands('legacy-1', workspaceKeyOf({ stateDir }), tagged);
    execFileSync('tmux', ['-L', socket, 'new-session', '-d', '-s', 'legacy-1', '-c', alpha.folder, echo, ';', ...tags.flatMap((command, i) => (i === 0 ? command : [';', ...command]))]);
    await alpha.engine.refresh();
    const found = alpha.engine.get('legacy-1');
    assert.ok(found, 'found from its tags');
    assert.equal(found.agentKind, 'other', 'the kind "generic" of earlier versions is "other" now');
    assert.equal(found.tmuxSession, 'legacy-1', 'under the tmux name it has');
    assert.equal(beta.engine.get('legacy-1'), undefined, "not the other workspace's");
    await waitFor('its first line', async () => (await alpha.engine.output('legacy-1')).includes('agent in'), 15_000);
    await alpha.engine.sendInput('legacy-1', 'still steerable');
    await waitFor('the line on its screen', async () => (await alpha.engine.output('legacy-1')).includes('still steerable'), 15_000);
    assert.match(alpha.engine.terminals.attachCommand('legacy-1'), /-t '?=legacy-1'?$/);
    await alpha.engine.kill('legacy-1');
    await waitForStatus(alpha.engine, 'legacy-1', 'killed', 10_000);
    assert.throws(() => tmuxOn(socket, 'has-session', '-t', '=legacy-1'), /can't find session/);
  });
});
