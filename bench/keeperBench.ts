/**
 * Benchmark rows of the background keeper (dist/keeper.js, as shipped), beside an engine host as
 * a window's extension host runs it (engineHost.child.ts: the same core, the leader election,
 * the API while it leads), on one workspace of quiet hooked sessions:
 * - CPU and resident memory of the keeper keeping the sessions, against the window's host doing
 *   the same work (leading, the monitor at 1 s);
 * - the hand-over gaps: a leading window gives the lead to a keeper that starts, until the
 *   keeper's API answers; the keeper killed with SIGKILL, until the window's API answers; against
 *   the least any hand-over needs (a process killed, until a client of its socket hears);
 * - how late a job's run starts after its cron minute, run by the keeper with no window and by a
 *   window's host, against a bare timer aimed at the same minutes.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMinuteOf } from '../src/core/jobs/jobScheduler';
import { findWorkspace } from '../src/core/lead/workspaceDirectory';
import { leadSecret } from '../src/core/lead/workspaceLeader';
import type { SessionRecord } from '../src/core/model/sessionRecord';
import { freePort } from '../test/support/freePort';
import { HostProcess } from '../test/support/hostProcess';
import { processCpuMs, residentKiB } from './measure';
import { writeQuietAgent } from '../test/support/quietAgent';
import { killServer } from '../test/support/tmuxServer';
import { waitFor } from '../test/support/wait';

export interface KeeperSizes {
  sessions: number;
  cpuSeconds: number;
  handovers: number;
  firings: number;
}

export interface KeeperFigures {
  /** % of one core (the process and the tmux clients it ran) over cpuSeconds. */
  cpuKeeper: number;
  cpuWindow: number;
  /** Resident memory at the end of that time, MiB. */
  rssKeeperMiB: number;
  rssWindowMiB: number;
  /** ms: a leading window gave the lead up → the keeper's API answers. */
  toKeeper: number[];
  /** ms: the keeper killed → the window's API answers; and → the window leads. */
  toWindow: number[];
  toWindowLead: number[];
  /** ms: a process killed → a client of its socket hears. */
  bareGap: number[];
  /** ms after the cron minute: a run's record made, by the keeper (no window) and by a window's host; a bare timer. */
  lateKeeper: number[];
  lateWindow: number[];
  lateTimer: number[];
}

const TICK_JOB = JSON.stringify([{ slug: 'tick', schedule: '* * * * *', prompt: 'Tick', endWhenIdleSeconds: 5 }]);

export async function measureKeeper(repo: string, sizes: KeeperSizes, log: (line: string) => void): Promise<KeeperFigures> {
  const root = join(tmpdir(), `instar-bench-keeper-${process.pid}-${randomUUID().slice(0, 6)}`);
  const socket = `instar-bench-keeper-${process.pid}-${randomUUID().slice(0, 6)}`;
  const otherSocket = `${socket}-other`;
  const workspace = join(root, 'workspace');
  const stateHome = join(root, 'state-home');
  await mkdir(join(workspace, '.vscode'), { recursive: true });
  await mkdir(join(workspace, '.instar'), { recursive: true });
  const agent = await writeQuietAgent(join(root, 'bin'));
  await writeFile(join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'instar.tmux.socket': socket, 'instar.agent.command': agent, 'instar.api.port': 0, 'instar.sessions.maxLive': 0 }));
  const { stateDir } = await findWorkspace(workspace, join(stateHome, 'instar-sessions'));
  const windowPort = await freePort();
  const keepers: ChildProcess[] = [];
  const hosts: HostProcess[] = [];
  const startKeeper = () => {
    const child = spawn(process.execPath, [join(repo, 'dist', 'keeper.js'), '--workspace', workspace], { env: { ...process.env, XDG_STATE_HOME: stateHome }, stdio: 'ignore' });
    keepers.push(child);
    return child;
  };
  const keeperPort = async (pid: number) => {
    const info = JSON.parse(await readFile(join(stateDir, 'keeper.json'), 'utf8').catch(() => '{}')) as { pid?: number; port?: number };
    return info.pid === pid ? info.port : undefined;
  };
  try {
    const { host: window } = await HostProcess.start({
      label: 'window',
      stateDir,
      storageFile: join(root, 'window-state.json'),
      socket,
      agentCommand: agent,
      cwd: workspace,
      monitorIntervalMs: 1000,
      secret: await leadSecret(stateDir),
      api: { port: windowPort, token: 'bench-token' },
    });
    hosts.push(window);
    log(`keeper: ${sizes.sessions} quiet sessions…`);
    for (let i = 0; i < sizes.sessions; i += 1) await window.request({ op: 'spawn', request: { name: `kept-${i}`, prompt: '', cwd: workspace } });
    await waitFor('the sessions idle', async () => ((await window.request<SessionRecord[]>({ op: 'list' })).every((record) => record.status === 'idle') ? true : undefined), 120_000, 200);
    await waitFor('the window to serve its API', () => health(windowPort), 30_000, 50);

    log(`keeper: the window's host keeping them (${sizes.cpuSeconds} s)…`);
    const windowUse = await processUse(window.child.pid!, sizes.cpuSeconds);

    log('keeper: the keeper takes the lead…');
    const toKeeper: number[] = [];
    let keeper = startKeeper();
    toKeeper.push(await handOverToKeeper(keeper, window, keeperPort));
    log(`keeper: the keeper keeping them (${sizes.cpuSeconds} s)…`);
    const keeperUse = await processUse(keeper.pid!, sizes.cpuSeconds);

    log(`keeper: ${sizes.handovers} hand-overs each way…`);
    const toWindow: number[] = [];
    const toWindowLead: number[] = [];
    for (let i = 0; i < sizes.handovers; i += 1) {
      const killedAt = Date.now();
      keeper.kill('SIGKILL');
      await waitFor('the window to serve the API', () => health(windowPort), 30_000, 2);
      toWindow.push(Date.now() - killedAt);
      toWindowLead.push((window.leadingAt ?? Number.NaN) - killedAt);
      keeper = startKeeper();
      toKeeper.push(await handOverToKeeper(keeper, window, keeperPort));
    }
    const bareGap: number[] = [];
    for (let i = 0; i < Math.max(5, sizes.handovers); i += 1) bareGap.push(await bareSocketGap());

    log(`keeper: job lateness over ${sizes.firings} minutes, the keeper with no window and a window's host…`);
    await window.kill9();
    await writeFile(join(workspace, '.instar', 'jobs.json'), TICK_JOB);
    const other = join(root, 'other-workspace');
    await mkdir(other);
    // A tmux server of its own: the same job's runs have the same names (one server for two workspaces is issue 29's).
    const { host: otherWindow } = await HostProcess.start({ label: 'other window', stateDir: join(root, 'other-state'), storageFile: join(root, 'other-window.json'), socket: otherSocket, agentCommand: agent, cwd: other, monitorIntervalMs: 1000, jobs: TICK_JOB });
    hosts.push(otherWindow);
    // The quiet agent never takes its prompt, so a run stays "starting" and the next firing would be
    // skipped: each minute's runs are killed a few seconds after the minute.
    const killRuns = async () => {
      for (const session of await keeperList(workspace)) if (session.name.startsWith('job-tick-') && LIVE.has(session.status)) await keeperCall(workspace, 'DELETE', `/sessions/${session.name}`);
      for (const record of await otherWindow.request<SessionRecord[]>({ op: 'list' })) if (record.name.startsWith('job-tick-') && record.endedAt === undefined) await otherWindow.request({ op: 'kill', name: record.name });
    };
    const timed = await timerLateness(sizes.firings, killRuns);
    // The last minute's runs may still be on their way.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const minutes = new Set(timed.map((entry) => entry.minute));
    const keeperSessions = await keeperList(workspace);
    const lateKeeper = lateness(keeperSessions.map((session) => ({ name: session.name, createdAt: Date.parse(session.startedAt) })), minutes);
    const lateWindow = lateness(await otherWindow.request<SessionRecord[]>({ op: 'list' }), minutes);
    const lateTimer = timed.map((entry) => entry.late);
    if (lateKeeper.length === 0) {
      const keeperLog = await readFile(join(stateDir, 'keeper.log'), 'utf8').catch((error: Error) => error.message);
      throw new Error(`The keeper made no run of the tick job in minutes ${[...minutes].map((minute) => new Date(minute).toISOString()).join(', ')}; its sessions: ${keeperSessions.map((session) => session.name).join(', ')}; the end of its log:\n${keeperLog.split('\n').slice(-30).join('\n')}`);
    }
    return {
      cpuKeeper: keeperUse.cpuPercent,
      cpuWindow: windowUse.cpuPercent,
      rssKeeperMiB: keeperUse.rssMiB,
      rssWindowMiB: windowUse.rssMiB,
      toKeeper,
      toWindow,
      toWindowLead,
      bareGap,
      lateKeeper,
      lateWindow,
      lateTimer,
    };
  } finally {
    for (const host of hosts) await host.kill9().catch(() => undefined);
    for (const keeper of keepers) if (keeper.exitCode === null && keeper.signalCode === null) keeper.kill('SIGKILL');
    killServer(socket);
    killServer(otherSocket);
    await rm(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  }
}

/** A keeper just started takes the lead from the window: ms from the window's giving it up to the keeper's API answering. */
async function handOverToKeeper(keeper: ChildProcess, window: HostProcess, portOf: (pid: number) => Promise<number | undefined>): Promise<number> {
  const lostBefore = window.lostAt;
  await waitFor('the keeper to serve the API', async () => {
    const port = await portOf(keeper.pid!);
    return port !== undefined && window.lostAt !== lostBefore && (await health(port)) ? true : undefined;
  }, 60_000, 2);
  return Date.now() - window.lostAt!;
}

async function health(port: number): Promise<true | undefined> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/health`)).status === 200 ? true : undefined;
  } catch {
    return undefined;
  }
}

/** CPU of a process and the children it waited for (% of one core) over `seconds`, and its resident memory at the end. */
async function processUse(pid: number, seconds: number): Promise<{ cpuPercent: number; rssMiB: number }> {
  const before = { cpu: processCpuMs(pid, true), at: performance.now() };
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const cpuPercent = ((processCpuMs(pid, true) - before.cpu) / (performance.now() - before.at)) * 100;
  return { cpuPercent, rssMiB: (residentKiB(pid) ?? Number.NaN) / 1024 };
}

/** The least a hand-over needs: a process that holds an abstract socket killed, until a client connected to it hears (ms). */
async function bareSocketGap(): Promise<number> {
  const address = `\0instar-bench-gap-${randomUUID()}`;
  const holder = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(address)}, () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise<void>((resolve) => holder.stdout!.once('data', () => resolve()));
  const client = createConnection(address);
  await new Promise<void>((resolve) => client.once('connect', () => resolve()));
  client.on('error', () => undefined);
  const heard = new Promise<number>((resolve) => client.once('close', () => resolve(performance.now())));
  const killedAt = performance.now();
  holder.kill('SIGKILL');
  return (await heard) - killedAt;
}

/**
 * A bare timer aimed at the start of each of the next `minutes` minutes (from one at least 5 s
 * away, so that the hosts have read the job before it): the minutes, and how late it fired (ms).
 * `clear` runs 4 s before each minute (a run the hosts made in a minute before the first one
 * timed, from a job read just before it, would make them skip the next) and 5 s after it.
 */
async function timerLateness(minutes: number, clear: () => Promise<void>): Promise<{ minute: number; late: number }[]> {
  const timed: { minute: number; late: number }[] = [];
  let minute = Math.ceil((Date.now() + 5000) / 60_000) * 60_000;
  for (let i = 0; i < minutes; i += 1, minute += 60_000) {
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, minute - 4000 - Date.now())));
    await clear();
    await new Promise((resolve) => setTimeout(resolve, minute - Date.now()));
    // In fractions of a millisecond, and at least a tenth of one: a timer on time read in whole
    // milliseconds said 0, which is no baseline for a ratio (a smoke run's one minute showed it).
    timed.push({ minute, late: Math.max(0.1, performance.timeOrigin + performance.now() - minute) });
    await new Promise((resolve) => setTimeout(resolve, 5000));
    await clear();
  }
  return timed;
}

/** How long after its cron minute each run of the tick job in `minutes` was made (ms). */
function lateness(sessions: readonly { name: string; createdAt: number }[], minutes: ReadonlySet<number>): number[] {
  return sessions.flatMap((session) => {
    const minute = runMinuteOf(session.name, 'tick');
    return minute === undefined || !minutes.has(minute) ? [] : [session.createdAt - minute];
  });
}

/** A call of the keeper's API with the workspace's token. */
async function keeperCall(workspace: string, method: string, route: string): Promise<unknown> {
  const { port, authToken } = JSON.parse(await readFile(join(workspace, '.instar', 'config.json'), 'utf8')) as { port: number; authToken: string };
  const response = await fetch(`http://127.0.0.1:${port}${route}`, { method, headers: { authorization: `Bearer ${authToken}` } });
  return response.json();
}

const keeperList = async (workspace: string) => (await keeperCall(workspace, 'GET', '/sessions')) as { name: string; status: string; startedAt: string }[];
const LIVE = new Set(['starting', 'running', 'waiting', 'idle']);
