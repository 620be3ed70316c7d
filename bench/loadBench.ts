/**
 * Benchmark rows of load: refreshes of agents without hooks, what the monitor costs the host and
 * the tmux server with many live sessions, and many real Claude Code sessions spawned at once.
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { hookSettings } from '../src/core/agent/hookSettings';
import { SessionEngine } from '../src/core/sessions/sessionEngine';
import { startClaudeRig } from '../test/support/claudeRig';
import { defaultHandler } from '../test/support/fakeMessagesApi';
import { MemoryStorage } from '../test/support/storage';
import { killServer } from '../test/support/tmuxServer';
import { waitFor } from '../test/support/wait';
import { processCpuMs, timeRefreshes, writeEvent, writeSleepingClaude } from './measure';

const run = promisify(execFile);

export interface HooklessFigures {
  /** ms of one refresh of the quiet sessions, and of one bare list-panes of the same server. */
  refreshOurs: number[];
  refreshBare: number[];
  /** % of one core used by this process and the tmux server together, with the monitor at 1 s and without it. */
  cpuOurs: number;
  cpuBaseline: number;
}

/**
 * `sessions` quiet agents without hooks on a server of their own (half of them for the CPU rows,
 * with as many hooked ones settled by hook events): refresh time, and CPU over `seconds`.
 */
export async function measureHookless(root: string, sizes: { sessions: number; refreshRuns: number; monitorSeconds: number }, log: (line: string) => void): Promise<HooklessFigures> {
  const socket = `instar-bench-quiet-${process.pid}-${randomUUID().slice(0, 6)}`;
  const tmux = (...args: string[]) => run('tmux', ['-L', socket, ...args], { maxBuffer: 64 * 1024 * 1024 });
  const bin = join(root, 'quiet-bin');
  await mkdir(bin, { recursive: true });
  // An agent that is not Claude Code: it prints a line and waits (its state comes from its screen).
  const quiet = join(bin, 'quiet-agent');
  await writeFile(quiet, '#!/bin/sh\necho "ready>"\nexec sleep 100000\n');
  // A stand-in named "claude" (so the engine gives it hooks); hook events are written for it below.
  const hooked = await writeSleepingClaude(bin);
  await chmod(quiet, 0o755);
  const cwd = join(root, 'quiet-work');
  await mkdir(cwd, { recursive: true });
  const stateDir = join(root, 'quiet-state');
  const engine = await SessionEngine.create({ stateDir, storage: new MemoryStorage(), socket, agentCommand: quiet, monitorIntervalMs: 0 });
  try {
    log('quiet sessions without hooks…');
    for (let i = 0; i < sizes.sessions; i += 1) await engine.spawn({ name: `quiet-${i}`, prompt: '', cwd });
    await settle(engine, () => engine.list().every((record) => record.status === 'idle'));
    // Past the second of their last output: from here a refresh has nothing new to read.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await engine.refresh();
    log('refresh of quiet sessions…');
    const { ours: refreshOurs, bare: refreshBare } = await timeRefreshes(engine, tmux, sizes.refreshRuns);

    // The CPU rows: as many hooked sessions, idle by their SessionStart, beside the quiet ones (half each).
    for (let i = Math.floor(sizes.sessions / 2); i < sizes.sessions; i += 1) await engine.kill(`quiet-${i}`);
    engine.configure({ agentCommand: hooked });
    for (let i = 0; i < sizes.sessions - Math.floor(sizes.sessions / 2); i += 1) await engine.spawn({ name: `hooked-${i}`, prompt: '', cwd });
    await Promise.all(engine.list().filter((record) => record.name.startsWith('hooked-')).map((record) => writeEvent(join(stateDir, 'events'), record.id, 'SessionStart')));
    await settle(engine, () => engine.list().every((record) => record.endedAt !== undefined || record.status === 'idle'));
    const server = Number((await tmux('display-message', '-p', '#{pid}')).stdout.trim());
    log(`monitor CPU without the monitor (${sizes.monitorSeconds} s)…`);
    const cpuBaseline = await cpuPercent(server, sizes.monitorSeconds);
    log(`monitor CPU with the monitor at 1 s (${sizes.monitorSeconds} s)…`);
    engine.setMonitorInterval(1000);
    const cpuOurs = await cpuPercent(server, sizes.monitorSeconds);
    engine.setMonitorInterval(0);
    return { refreshOurs, refreshBare, cpuOurs, cpuBaseline };
  } finally {
    engine.dispose();
    killServer(socket);
  }
}

export interface ParallelSpawnFigures {
  /** ms from the first spawn until every prompt reached the Messages API, per round: engine.spawn, and bare tmux new-session. */
  ours: number[];
  bare: number[];
}

/** `count` real Claude Code sessions (the pinned one) spawned at once, against the same started by bare tmux, `rounds` times each. */
export async function measureParallelSpawns(repo: string, count: number, rounds: number, log: (line: string) => void): Promise<ParallelSpawnFigures> {
  const CLAUDE = join(repo, 'node_modules', '.bin', 'claude');
  // The monitor at the period the extension uses while the view is visible.
  const rig = await startClaudeRig('benchload', CLAUDE, 1000);
  const { h, cwd, home, api } = rig;
  const arrived = new Map<string, number>();
  api.setHandler((request) => {
    if (!request.isSide && !request.hasToolResult && !arrived.has(request.lastUserText)) arrived.set(request.lastUserText, performance.now());
    return defaultHandler(request);
  });
  const allArrived = async (prompts: string[], started: number) => {
    await waitFor(`${count} prompts at the API`, () => prompts.every((prompt) => arrived.has(prompt)), 300_000, 20);
    return Math.max(...prompts.map((prompt) => arrived.get(prompt)!)) - started;
  };
  try {
    const bareEvents = join(h.root, 'bare-events');
    await mkdir(bareEvents);
    const bareSettings = join(h.root, 'bare-settings.json');
    await writeFile(bareSettings, JSON.stringify(hookSettings(bareEvents)));
    const env = Object.entries(home.env).map(([key, value]) => `${key}=${value}`);
    const bareRound = async (round: number) => {
      log(`${count} bare claude sessions at once…`);
      const prompts = Array.from({ length: count }, (_, i) => `Bare task ${round}-${i}`);
      const started = performance.now();
      await Promise.all(
        prompts.map((prompt, i) =>
          run('tmux', ['-L', h.socket, 'new-session', '-d', '-s', `bare-${round}-${i}`, '-x', '200', '-y', '50', '-c', cwd, '--', 'env', '-u', 'TMUX', ...env, `INSTAR_SESSION_ID=bare-${round}-${i}`, CLAUDE, '--model', 'sonnet', '--session-id', randomUUID(), '--settings', bareSettings, '--dangerously-skip-permissions', '--', prompt]),
        ),
      );
      const ms = await allArrived(prompts, started);
      for (let i = 0; i < count; i += 1) execFileSync('tmux', ['-L', h.socket, 'kill-session', '-t', `=bare-${round}-${i}`]);
      return ms;
    };
    const engineRound = async (round: number) => {
      log(`${count} engine spawns at once…`);
      const prompts = Array.from({ length: count }, (_, i) => `Engine task ${round}-${i}`);
      const started = performance.now();
      await Promise.all(prompts.map((prompt, i) => h.engine.spawn({ name: `load-${round}-${i}`, prompt, cwd, permissionMode: 'bypassPermissions' })));
      const ms = await allArrived(prompts, started);
      for (let i = 0; i < count; i += 1) await h.engine.kill(`load-${round}-${i}`);
      return ms;
    };
    // Rounds in alternating order (bare first, then ours first…): 20 claudes starting on 2 cores are noisy.
    const ours: number[] = [];
    const bare: number[] = [];
    for (let round = 0; round < rounds; round += 1) {
      if (round % 2 === 0) {
        bare.push(await bareRound(round));
        ours.push(await engineRound(round));
      } else {
        ours.push(await engineRound(round));
        bare.push(await bareRound(round));
      }
    }
    return { ours, bare };
  } finally {
    await rig.dispose();
  }
}

/** Refreshes until `done` holds (the engine's timer is off in the bench). */
async function settle(engine: SessionEngine, done: () => boolean): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('bench: the sessions did not settle');
    await engine.refresh();
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** CPU time of this process and of the tmux server over `seconds`, as % of one core. */
export async function cpuPercent(serverPid: number, seconds: number): Promise<number> {
  const serverMs = () => processCpuMs(serverPid);
  const ownMs = () => {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1000;
  };
  const before = { server: serverMs(), own: ownMs(), at: performance.now() };
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const used = serverMs() - before.server + (ownMs() - before.own);
  return (used / (performance.now() - before.at)) * 100;
}
