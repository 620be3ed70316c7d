/**
 * What the front door adds to an API call. Two workspaces, each hosted by an engine host in a
 * process of its own (as two windows' extension hosts), both on the shared port; the first holds
 * the door. GET /sessions of the second workspace with `sessions` records (quiet sessions on a
 * real tmux server), through the door (held by the other host: the common case with several
 * workspaces) against the same call straight to the workspace's own port, each on a kept-alive
 * connection, the two taken in turn so that both see the same machine. The same for the first
 * workspace, whose host holds the door itself. Then the call made as the skill makes it: curl to
 * localhost, a new process and connection each time. Target: the door's p95 within 1.1× the straight one.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { doorsFolder, readDoorEntries } from '../src/core/http/doorRegistry';
import { generateToken } from '../src/core/http/instarConfig';
import { freePort } from '../test/support/freePort';
import { HostProcess } from '../test/support/hostProcess';
import { writeQuietAgent } from '../test/support/quietAgent';
import { cleanupSocket, privateSocket } from '../test/support/tmuxServer';
import { waitFor } from '../test/support/wait';
import { percentile } from './measure';

export interface DoorSizes {
  /** Sessions of the measured workspace (records in each answer); 100 unless given. */
  sessions?: number;
  /** Calls each way, after a warm-up; 500 unless given. */
  calls?: number;
  /** Calls each way with curl as the skill makes them (a new process and connection each); 100 unless given. */
  curlCalls?: number;
  /** A tmux server to use (one of its own, removed after, unless given). */
  socket?: string;
  /** The quiet agent to run (written anew unless given). */
  agent?: string;
  log?: (line: string) => void;
}

export interface DoorFigures {
  sessions: number;
  calls: number;
  /** ms, GET /sessions through the door held by another host, and straight to the workspace's own port. */
  doorP50: number;
  doorP95: number;
  directP50: number;
  directP95: number;
  /** doorP95 / directP95. */
  ratio: number;
  /** The same where the workspace's own host holds the door (as many sessions). */
  sameHostRatio: number;
  sameHostCalls: number;
  sameHostDoorP50: number;
  sameHostDoorP95: number;
  sameHostDirectP50: number;
  sameHostDirectP95: number;
  /** The same call made as the skill makes it (curl, to localhost, a new process and connection each), through the door held by another host and straight. */
  curlCalls: number;
  curlDoorP50: number;
  curlDoorP95: number;
  curlDirectP50: number;
  curlDirectP95: number;
  curlRatio: number;
}

/** One request on a kept-alive connection, read to its end; resolves with how long it took in ms. */
function timed(agent: Agent, port: number, method: string, path: string, token: string, body?: unknown): Promise<number> {
  const started = performance.now();
  const data = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, ...(data === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(data)) }) };
    const req = request({ host: '127.0.0.1', port, method, path, agent, headers }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode! < 300 ? resolve(performance.now() - started) : reject(new Error(`${method} ${path} on ${port}: HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(data);
  });
}

/** GET /sessions with curl as the skill calls it (`localhost`, a bearer token), read to its end; resolves with how long it took in ms. */
function curled(port: number, token: string): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    execFile('curl', ['-sS', '--fail', '-o', '/dev/null', '-H', `Authorization: Bearer ${token}`, `http://localhost:${port}/sessions`], (error, _out, stderr) =>
      error ? reject(new Error(`curl of port ${port}: ${stderr || error.message}`)) : resolve(performance.now() - started),
    );
  });
}

/** The two ways taken in turn, the first of each pair alternating, after a warm-up. */
async function inTurn(direct: () => Promise<number>, throughDoor: () => Promise<number>, calls: number, warmUp: number): Promise<{ door: number[]; direct: number[] }> {
  for (let i = 0; i < warmUp; i += 1) {
    await direct();
    await throughDoor();
  }
  const door: number[] = [];
  const straight: number[] = [];
  for (let i = 0; i < calls; i += 1) {
    if (i % 2 === 0) {
      straight.push(await direct());
      door.push(await throughDoor());
    } else {
      door.push(await throughDoor());
      straight.push(await direct());
    }
  }
  return { door, direct: straight };
}

/** p95s of GET /sessions through the door and straight, taken in turn. */
async function compare(doorPort: number, own: number, token: string, calls: number): Promise<{ door: number[]; direct: number[] }> {
  const agents = [new Agent({ keepAlive: true, maxSockets: 1 }), new Agent({ keepAlive: true, maxSockets: 1 })];
  const direct = () => timed(agents[0], own, 'GET', '/sessions', token);
  const throughDoor = () => timed(agents[1], doorPort, 'GET', '/sessions', token);
  try {
    return await inTurn(direct, throughDoor, calls, Math.min(50, calls));
  } finally {
    for (const agent of agents) agent.destroy();
  }
}

export async function measureDoor(sizes: DoorSizes = {}): Promise<DoorFigures> {
  const sessions = sizes.sessions ?? 100;
  const calls = sizes.calls ?? 500;
  const log = sizes.log ?? (() => undefined);
  const root = join(tmpdir(), `instar-bench-door-${process.pid}-${randomUUID().slice(0, 6)}`);
  const socket = sizes.socket ?? privateSocket('doorbench');
  const agentCommand = sizes.agent ?? (await writeQuietAgent(join(root, 'bin')));
  const doorPort = await freePort();
  // A machine state folder and door port of its own: the machine's door and registry are not touched.
  const stateRoot = join(root, 'machine');
  const hosts: HostProcess[] = [];
  try {
    const workspaces: { folder: string; token: string; own: number }[] = [];
    for (const name of ['holder', 'measured']) {
      const folder = join(root, name);
      await mkdir(folder, { recursive: true });
      const token = generateToken();
      const { host } = await HostProcess.start({
        label: `door-bench-${name}`,
        stateDir: join(root, `${name}-state`),
        storageFile: join(root, `${name}-storage.json`),
        socket,
        agentCommand,
        cwd: folder,
        monitorIntervalMs: 0,
        api: { port: doorPort, token, shared: { stateRoot }, requestsPerMinute: 1_000_000 },
      });
      hosts.push(host);
      const own = await waitFor(`the API of ${name} in the door registry`, async () => (await readDoorEntries(doorsFolder(stateRoot))).find(({ entry }) => entry.folder === folder)?.entry.port, 30_000, 50);
      workspaces.push({ folder, token, own });
    }
    const [holder, measured] = workspaces;
    await waitFor('the door', async () => (await timed(new Agent(), doorPort, 'GET', '/sessions', measured.token).catch(() => undefined)) !== undefined, 30_000, 50);
    log(`door bench: ${sessions} sessions`);
    const prefix = `bench-door-${randomUUID().slice(0, 4)}`;
    const spawner = new Agent({ keepAlive: true });
    // As many in each workspace: the two comparisons answer lists of the same size.
    for (const workspace of [measured, holder]) {
      for (let i = 0; i < sessions; i += 10) {
        await Promise.all(Array.from({ length: Math.min(10, sessions - i) }, (_, j) => timed(spawner, workspace.own, 'POST', '/sessions/spawn', workspace.token, { name: `${prefix}-${i + j}`, prompt: '' })));
      }
    }
    spawner.destroy();
    const other = await compare(doorPort, measured.own, measured.token, calls);
    const same = await compare(doorPort, holder.own, holder.token, calls);
    const curlCalls = sizes.curlCalls ?? 100;
    const curl = await inTurn(() => curled(measured.own, measured.token), () => curled(doorPort, measured.token), curlCalls, Math.min(10, curlCalls));
    const figures: DoorFigures = {
      sessions,
      calls,
      doorP50: percentile(other.door, 50),
      doorP95: percentile(other.door, 95),
      directP50: percentile(other.direct, 50),
      directP95: percentile(other.direct, 95),
      ratio: percentile(other.door, 95) / percentile(other.direct, 95),
      sameHostRatio: percentile(same.door, 95) / percentile(same.direct, 95),
      sameHostCalls: same.door.length,
      sameHostDoorP50: percentile(same.door, 50),
      sameHostDoorP95: percentile(same.door, 95),
      sameHostDirectP50: percentile(same.direct, 50),
      sameHostDirectP95: percentile(same.direct, 95),
      curlCalls,
      curlDoorP50: percentile(curl.door, 50),
      curlDoorP95: percentile(curl.door, 95),
      curlDirectP50: percentile(curl.direct, 50),
      curlDirectP95: percentile(curl.direct, 95),
      curlRatio: percentile(curl.door, 95) / percentile(curl.direct, 95),
    };
    log(`door bench: p95 ${figures.doorP95.toFixed(2)} ms through the door, ${figures.directP95.toFixed(2)} ms straight (×${figures.ratio.toFixed(2)}; ×${figures.sameHostRatio.toFixed(2)} where the door is in the workspace's own host; with curl as the skill calls it ×${figures.curlRatio.toFixed(2)})`);
    return figures;
  } finally {
    for (const host of hosts) await host.kill9();
    if (sizes.socket) {
      // The sessions it made go with the tmux server it was given, when its owner kills it.
    } else cleanupSocket(socket);
    await rm(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  }
}
