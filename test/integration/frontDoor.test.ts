/**
 * Several workspaces open at once on one machine, each with its API on the one shared port: the
 * front door hands each call to the workspace its token belongs to. Real engines on a real tmux
 * server (a private socket), real HTTP; the door's port is a free one (not 4040) and the
 * machine's state folder a temporary one, so the machine's own are untouched.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, request, Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { measureDoor } from '../../bench/doorBench';
import { MISSING_TOKEN, WRONG_TOKEN } from '../../src/core/http/apiGuards';
import { ApiHosting } from '../../src/core/http/apiHosting';
import { ApiServer } from '../../src/core/http/apiServer';
import { DoorRegistration } from '../../src/core/http/doorRegistry';
import { generateToken } from '../../src/core/http/instarConfig';
import { SessionEngine } from '../../src/core/sessions/sessionEngine';
import type { Logger } from '../../src/core/util/host';
import { freePort } from '../support/freePort';
import { HostProcess } from '../support/hostProcess';
import { writeQuietAgent } from '../support/quietAgent';
import { MemoryStorage } from '../support/storage';
import { cleanupSocket, privateSocket, tmuxOn } from '../support/tmuxServer';
import { waitFor } from '../support/wait';

interface Workspace {
  name: string;
  folder: string;
  engine: SessionEngine;
  hosting: ApiHosting;
  token: string;
  logs: string[];
}

/** A logger that keeps what it is told. */
function keptLogger(lines: string[]): Logger {
  const keep = (level: string) => (message: string | Error) => void lines.push(`${level} ${String(message)}`);
  return { trace: () => undefined, debug: () => undefined, info: keep('info'), warn: keep('warn'), error: keep('error') };
}

describe('one port for every workspace: the front door', () => {
  let root: string;
  let stateRoot: string;
  let socket: string;
  let agent: string;
  let doorPort: number;
  const engines: SessionEngine[] = [];
  const hostings: ApiHosting[] = [];
  const children: HostProcess[] = [];
  const servers: Server[] = [];
  const workspaces: Record<string, Workspace> = {};

  /** A workspace folder with its engine (on the one tmux server) and its API hosted as a window hosts it. */
  const openWorkspace = async (name: string, options: { port?: number; sharedPort?: number; engine?: SessionEngine; token?: string; blockedRetryMs?: number; doorWaitMs?: number } = {}): Promise<Workspace> => {
    const folder = join(root, name);
    await mkdir(folder, { recursive: true });
    const engine = options.engine ?? (await SessionEngine.create({ stateDir: join(root, `${name}-state`), storage: new MemoryStorage(), socket, agentCommand: agent, monitorIntervalMs: 250 }));
    if (!options.engine) engines.push(engine);
    const logs: string[] = [];
    const token = options.token ?? generateToken();
    const sharedPort = options.sharedPort ?? doorPort;
    const hosting = new ApiHosting({ engine, port: options.port ?? sharedPort, sharedPort, token, folder, workspaceKey: engine.workspaceKey, version: 'test', logger: keptLogger(logs), label: name, stateRoot, blockedRetryMs: options.blockedRetryMs, doorWaitMs: options.doorWaitMs });
    hostings.push(hosting);
    return { name, folder, engine, hosting, token, logs };
  };
  const open = async (name: string, options: Parameters<typeof openWorkspace>[1] = {}) => {
    const workspace = await openWorkspace(name, options);
    await workspace.hosting.start();
    workspaces[name] = workspace;
    return workspace;
  };

  const call = async (port: number, token: string | undefined, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as any };
  };
  const door = (token: string | undefined, method: string, path: string, body?: unknown, headers?: Record<string, string>) => call(doorPort, token, method, path, body, headers);
  const names = async (token: string) => ((await door(token, 'GET', '/sessions')).json as { name: string }[]).map((session) => session.name).sort();
  const configOf = async (folder: string) => JSON.parse(await readFile(join(folder, '.instar', 'config.json'), 'utf8')) as { port: number; authToken: string };
  /** A request with a Host header fetch would not send. */
  const withHost = (host: string, token: string) =>
    new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: doorPort, path: '/sessions', headers: { host, authorization: `Bearer ${token}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
  /** An HTTP server that is not Instar's, on a port. */
  const otherProgram = async (port = 0) => {
    const server = createServer((_req, res) => {
      res.writeHead(404, { server: 'not-instar' });
      res.end('nope');
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    return { server, port: (server.address() as { port: number }).port };
  };
  const holders = () => hostings.filter((hosting) => hosting.holdsDoor);

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'instar-door-'));
    // The machine's state folder, for this process and the hosts it starts: the real one is untouched.
    process.env.XDG_STATE_HOME = join(root, 'machine-state');
    stateRoot = join(root, 'machine-state', 'instar-sessions');
    socket = privateSocket('door');
    agent = await writeQuietAgent(join(root, 'bin'));
    doorPort = await freePort();
    for (const name of ['alpha', 'beta', 'gamma']) await open(name);
  });

  after(async () => {
    for (const child of children) await child.kill9();
    for (const hosting of hostings) await hosting.stop();
    for (const engine of engines) engine.dispose();
    for (const server of servers) server.close();
    cleanupSocket(socket);
    await rm(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  });

  it('serves each workspace on the one port: each token lists and spawns in its own workspace only', async () => {
    const { alpha, beta, gamma } = workspaces;
    for (const workspace of [alpha, beta, gamma]) {
      assert.equal(workspace.hosting.publicPort, doorPort, `${workspace.name} is called on the shared port`);
      assert.notEqual(workspace.hosting.ownPort, doorPort);
      assert.equal(workspace.hosting.problem, undefined);
      const config = await configOf(workspace.folder);
      assert.deepEqual([config.port, config.authToken], [doorPort, workspace.token], `${workspace.name}'s .instar/config.json`);
    }
    assert.equal(holders().length, 1, 'one host holds the door');
    assert.deepEqual((await readdir(join(stateRoot, 'doors'))).filter((name) => name.endsWith('.json')).length, 3, 'the registry is in the given state folder');

    const health = await door(undefined, 'GET', '/health');
    assert.equal(health.status, 200);
    assert.equal(health.json.door, true);
    assert.equal(health.json.workspaces, 3);

    const spawned = await door(alpha.token, 'POST', '/sessions/spawn', { name: 'door-alpha-one', prompt: '' });
    assert.equal(spawned.status, 201, JSON.stringify(spawned.json));
    assert.equal(spawned.json.cwd, alpha.folder, "it runs in alpha's folder");
    assert.equal((await door(beta.token, 'POST', '/sessions/spawn', { name: 'door-beta-one', prompt: '' })).status, 201);
    assert.ok(alpha.engine.get('door-alpha-one'));
    assert.equal(beta.engine.get('door-alpha-one'), undefined);
    assert.equal(gamma.engine.get('door-alpha-one'), undefined);
    assert.deepEqual(await names(alpha.token), ['door-alpha-one']);
    assert.deepEqual(await names(beta.token), ['door-beta-one']);
    assert.deepEqual(await names(gamma.token), []);
    // /health with a token is the workspace's own.
    const betaHealth = await door(beta.token, 'GET', '/health');
    assert.equal(betaHealth.json.door, undefined);
    assert.equal(betaHealth.json.sessions.total, 1);
  });

  it('refuses as the API does: no token 401, a token of no workspace 403, a web page or a foreign Host 403', async () => {
    const missing = await door(undefined, 'GET', '/sessions');
    assert.deepEqual([missing.status, missing.json.error], [401, MISSING_TOKEN]);
    const wrong = await door(generateToken(), 'GET', '/sessions');
    assert.deepEqual([wrong.status, wrong.json.error], [403, WRONG_TOKEN]);
    const page = await door(workspaces.alpha.token, 'GET', '/sessions', undefined, { origin: 'https://example.com' });
    assert.deepEqual([page.status, page.json.error], [403, 'Requests from web pages are refused.']);
    assert.equal(await withHost('evil.example:80', workspaces.alpha.token), 403);
    assert.equal(await withHost(`localhost:${doorPort}`, workspaces.alpha.token), 200);
  });

  it("never acts in another workspace: alpha's token on beta's session is 404 and beta's session is left as it was", async () => {
    const { alpha, beta } = workspaces;
    const before = beta.engine.require('door-beta-one');
    for (const [method, path, body] of [
      ['GET', '/sessions/door-beta-one', undefined],
      ['GET', '/sessions/door-beta-one/output', undefined],
      ['POST', '/sessions/door-beta-one/input', { text: 'from alpha' }],
      ['POST', '/sessions/door-beta-one/keys', { keys: ['C-c'] }],
      ['DELETE', '/sessions/door-beta-one', undefined],
    ] as const) {
      const answer = await door(alpha.token, method, path, body);
      assert.equal(answer.status, 404, `${method} ${path}: ${JSON.stringify(answer.json)}`);
    }
    const now = beta.engine.require('door-beta-one');
    assert.equal(now.endedAt, undefined, 'still live');
    assert.equal(now.status, before.status);
    assert.ok(tmuxOn(socket, 'list-sessions', '-F', '#{session_name}').split('\n').some((line) => line.includes('door-beta-one')), 'its tmux session still runs');
    assert.deepEqual(await names(beta.token), ['door-beta-one']);
  });

  it('streams a long wait and the event stream through the door', async () => {
    const { alpha, beta } = workspaces;
    // The event stream: the sessions as they are, then a spawn as it happens.
    const stream = new AbortController();
    const response = await fetch(`http://127.0.0.1:${doorPort}/events`, { headers: { authorization: `Bearer ${alpha.token}` }, signal: stream.signal });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /text\/event-stream/);
    const reader = response.body!.getReader();
    let text = '';
    const readUntil = (pattern: RegExp) =>
      waitFor(`${pattern} in the stream`, async () => {
        if (pattern.test(text)) return true;
        const { value, done } = await reader.read();
        if (done) throw new Error(`the stream ended: ${text}`);
        text += Buffer.from(value).toString('utf8');
        return pattern.test(text) || undefined;
      }, 20_000, 0);
    await readUntil(/event: sessions\ndata: \[.*"door-alpha-one"/);
    assert.equal((await door(alpha.token, 'POST', '/sessions/spawn', { name: 'door-alpha-two', prompt: '' })).status, 201);
    await readUntil(/event: session\ndata: \{[^\n]*"name":"door-alpha-two"/);
    stream.abort();

    // A wait that answers only when the session is killed, seconds later.
    const started = Date.now();
    const waiting = door(beta.token, 'GET', '/sessions/door-beta-one/wait?until=killed&timeout=120');
    const early = await Promise.race([waiting.then(() => 'answered'), new Promise((resolve) => setTimeout(() => resolve('waiting'), 1500))]);
    assert.equal(early, 'waiting', 'not answered before the session is killed');
    assert.equal((await door(beta.token, 'DELETE', '/sessions/door-beta-one')).status, 200);
    const answered = await waiting;
    assert.equal(answered.status, 200, JSON.stringify(answered.json));
    assert.equal(answered.json.reached, 'killed');
    console.log(`a wait through the door answered after ${Date.now() - started} ms, when its session was killed`);
  });

  it('takes a rotated token at once and refuses the old one at once', async () => {
    const { gamma } = workspaces;
    const old = gamma.token;
    const rotated = generateToken();
    await gamma.hosting.setToken(rotated);
    gamma.token = rotated;
    assert.equal((await door(old, 'GET', '/sessions')).status, 403);
    assert.equal((await door(rotated, 'GET', '/sessions')).status, 200);
    assert.equal((await configOf(gamma.folder)).authToken, rotated);
  });

  it('gives a workspace opened with the token of another (a folder copied with its .instar/) a token of its own; a token of two workspaces acts in neither', async () => {
    const { gamma } = workspaces;
    const copy = await open('mu', { token: gamma.token });
    assert.notEqual(copy.hosting.token, gamma.token);
    assert.ok(copy.logs.some((line) => line.startsWith(`warn This workspace had the API token of another open workspace (${gamma.folder})`)), copy.logs.join('\n'));
    assert.equal((await configOf(copy.folder)).authToken, copy.hosting.token);
    assert.equal((await door(copy.hosting.token, 'GET', '/sessions')).status, 200);
    assert.equal((await door(gamma.token, 'GET', '/sessions')).status, 200, "gamma's token is still gamma's");
    assert.equal((await door(gamma.token, 'GET', '/health')).json.door, undefined);
    // An entry of another workspace with the same token (written by hand): neither acts.
    const twin = await DoorRegistration.create(join(stateRoot, 'doors'), { workspaceKey: 'twin', token: gamma.token, port: copy.hosting.ownPort!, folder: join(root, 'twin') });
    try {
      // Once the door has read the new entry (its watch).
      const refused = await waitFor('the door to read the twin entry', async () => {
        const answer = await door(gamma.token, 'DELETE', '/sessions/door-alpha-two');
        assert.notEqual(answer.status, 200, 'never acts');
        return answer.status === 409 ? answer : undefined;
      }, 10_000, 20);
      assert.match(refused.json.error, /This token is the token of several workspaces .*: rotate it in one of them/);
    } finally {
      await twin.dispose();
    }
    await copy.hosting.stop();
    delete workspaces.mu;
  });

  it("moves the door to another host when its holder stops, and the stopped workspace's token acts nowhere", async () => {
    const [holder] = holders();
    const stopped = Object.values(workspaces).find((workspace) => workspace.hosting === holder)!;
    const others = Object.values(workspaces).filter((workspace) => workspace !== stopped);
    const started = Date.now();
    await holder.stop();
    await waitFor('another host to hold the door', () => holders().length === 1, 15_000, 5);
    console.log(`the door moved to another host ${Date.now() - started} ms after its holder stopped`);
    for (const workspace of others) assert.equal((await door(workspace.token, 'GET', '/sessions')).status, 200, workspace.name);
    const refused = await door(stopped.token, 'GET', '/sessions');
    assert.ok(refused.status === 403 || refused.status === 503, `the stopped workspace's token: ${refused.status} ${JSON.stringify(refused.json)}`);
    // Its window opens again: its API is behind the door again, with the same token.
    const again = await open(stopped.name, { engine: stopped.engine, token: stopped.token });
    assert.equal(again.hosting.publicPort, doorPort);
    assert.equal((await door(stopped.token, 'GET', '/sessions')).status, 200);
  });

  it('hands a call to the host that takes a workspace over when the one that served it is killed (SIGKILL)', async () => {
    const folder = join(root, 'delta');
    const stateDir = join(root, 'delta-state');
    await mkdir(folder, { recursive: true });
    const token = generateToken();
    const host = (label: string) =>
      HostProcess.start({ label, stateDir, storageFile: join(root, `${label}.json`), socket, agentCommand: agent, cwd: folder, api: { port: doorPort, token, shared: { stateRoot } } });
    const first = await host('delta-one');
    children.push(first.host);
    assert.equal(first.leading, true);
    const second = await host('delta-two');
    children.push(second.host);
    assert.equal(second.leading, false);
    await waitFor("delta's API behind the door", async () => (await door(token, 'GET', '/sessions')).status === 200, 15_000, 50);
    await first.host.kill9();
    const killedAt = Date.now();
    const answer = await door(token, 'GET', '/sessions');
    const ms = Date.now() - killedAt;
    console.log(`a call made as delta's serving host was killed answered ${answer.status} after ${ms} ms (the host that took over)`);
    assert.equal(answer.status, 200, `${JSON.stringify(answer.json)}\n${[...first.host.logs, ...second.host.logs].join('\n')}`);
    assert.ok(ms < 5000, `${ms} ms`);
    await second.host.kill9();
  });

  it('holds a call to an API that does not answer until a new entry of its workspace comes, and says so after 3 s when none does', async () => {
    const dir = join(stateRoot, 'doors');
    const token = generateToken();
    const nothing = await freePort();
    // An entry whose port nothing listens on: its host just died, and another is starting.
    const entry = await DoorRegistration.create(dir, { workspaceKey: 'lambda', token, port: nothing, folder: join(root, 'lambda') });
    const server = new ApiServer(workspaces.gamma.engine, { port: 0, token, cwd: join(root, 'lambda'), version: 'test', logger: keptLogger([]) });
    try {
      const started = Date.now();
      const answer = door(token, 'GET', '/sessions');
      await new Promise((resolve) => setTimeout(resolve, 700));
      await entry.update({ port: await server.start() });
      const { status } = await answer;
      console.log(`a call held for the host taking over answered ${status} after ${Date.now() - started} ms (the new entry written after 700 ms)`);
      assert.equal(status, 200);
      assert.ok(Date.now() - started >= 650, 'held, not refused');

      await server.stop();
      const refusedAt = Date.now();
      const refused = await door(token, 'GET', '/sessions');
      assert.equal(refused.status, 503);
      assert.match(refused.json.error, /This workspace's API \(127\.0\.0\.1:\d+, process \d+\) does not answer, and no other window or keeper of it took over within 3 s/);
      assert.ok(Date.now() - refusedAt >= 2500, `after the wait: ${Date.now() - refusedAt} ms`);
    } finally {
      await server.stop();
      await entry.dispose();
    }
  });

  it('says what to do when a port set by hand is held by another program, or by the API of another workspace', async () => {
    const { port } = await otherProgram();
    const taken = await openWorkspace('epsilon', { port });
    await assert.rejects(
      taken.hosting.start(),
      new RegExp(`^Error: Port ${port} \\(instar\\.api\\.port\\) is held by another program \\(it answers HTTP 404, server "not-instar"\\): set instar\\.api\\.port to a free port, or to ${doorPort} \\(one port every workspace shares\\), or to 0 for any free one\\.$`),
    );
    assert.match(taken.hosting.problem ?? '', new RegExp(`^Port ${port} \\(instar\\.api\\.port\\) is held by another program`));

    // Two workspaces with the same port set by hand: the second hears whose it is.
    const alone = await freePort();
    const first = await open('zeta', { port: alone });
    assert.equal(first.hosting.publicPort, alone);
    assert.equal((await configOf(first.folder)).port, alone);
    assert.equal((await call(alone, first.token, 'GET', '/sessions')).status, 200);
    const second = await openWorkspace('eta', { port: alone });
    await assert.rejects(second.hosting.start(), new RegExp(`Port ${alone} \\(instar\\.api\\.port\\) is held by the API of one workspace of Instar Sessions`));
  });

  it('puts each workspace on its own port while another program holds the shared one, says so once, and takes the port when it is free', async () => {
    const { server, port: shared } = await otherProgram();
    const theta = await open('theta', { sharedPort: shared, blockedRetryMs: 200, doorWaitMs: 500 });
    assert.equal(theta.hosting.publicPort, theta.hosting.ownPort);
    assert.equal((await configOf(theta.folder)).port, theta.hosting.ownPort);
    assert.match(theta.hosting.problem ?? '', new RegExp(`answers on its own port ${theta.hosting.ownPort}, not on ${shared}: port ${shared} is held by another program \\(it answers HTTP 404`));
    assert.equal((await call(theta.hosting.ownPort!, theta.token, 'GET', '/sessions')).status, 200, 'served on its own port meanwhile');
    // Another workspace that opens meanwhile: on its own port too, for the same reason.
    const iota = await open('iota', { sharedPort: shared, blockedRetryMs: 200, doorWaitMs: 500 });
    assert.equal(iota.hosting.holdsDoor, false);
    assert.equal(iota.hosting.publicPort, iota.hosting.ownPort);
    assert.match(iota.hosting.problem ?? '', new RegExp(`port ${shared} is held by another program`));
    // Tried again several times: said once.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const said = theta.logs.filter((line) => line.startsWith(`warn Port ${shared} is held by another program (it answers HTTP 404`));
    assert.equal(said.length, 1, theta.logs.join('\n'));
    assert.match(said[0], /Stop that program and Instar Sessions takes the port within seconds/);

    await new Promise<void>((resolve) => server.close(() => resolve()));
    await waitFor('theta to take the shared port', () => theta.hosting.publicPort === shared, 15_000, 20);
    assert.equal(theta.hosting.problem, undefined);
    assert.equal((await configOf(theta.folder)).port, shared);
    assert.equal((await call(shared, theta.token, 'GET', '/sessions')).status, 200);
    // The other joins it on the shared port: it looks again while it is kept off.
    await waitFor('iota to be called on the shared port', () => iota.hosting.publicPort === shared, 15_000, 20);
    assert.equal(iota.hosting.problem, undefined);
    assert.equal((await configOf(iota.folder)).port, shared);
    assert.deepEqual(await (await fetch(`http://127.0.0.1:${shared}/sessions`, { headers: { authorization: `Bearer ${iota.token}` } })).json(), []);
    await iota.hosting.stop();
    await theta.hosting.stop();
  });

  it('keeps a host on another state folder (another XDG_STATE_HOME) off a door that does not know its workspace, saying why', async () => {
    const folder = join(root, 'kappa');
    await mkdir(folder, { recursive: true });
    const engine = await SessionEngine.create({ stateDir: join(root, 'kappa-state'), storage: new MemoryStorage(), socket, agentCommand: agent, monitorIntervalMs: 250 });
    engines.push(engine);
    const logs: string[] = [];
    const token = generateToken();
    const kappa = new ApiHosting({ engine, port: doorPort, sharedPort: doorPort, token, folder, workspaceKey: engine.workspaceKey, version: 'test', logger: keptLogger(logs), stateRoot: join(root, 'other-machine-state'), blockedRetryMs: 200, doorWaitMs: 500 });
    hostings.push(kappa);
    await kappa.start();
    assert.equal(kappa.publicPort, kappa.ownPort);
    assert.match(kappa.problem ?? '', /held by the front door of Instar Sessions on another state folder/);
    assert.equal((await configOf(folder)).port, kappa.ownPort);
    assert.equal((await call(kappa.ownPort!, token, 'GET', '/sessions')).status, 200);
    assert.equal((await door(token, 'GET', '/sessions')).status, 403, 'the door knows nothing of it');
    await kappa.stop();
  });

  it('measures a call through the door against the same call straight to the API (a small run of the benchmark)', async () => {
    const figures = await measureDoor({ sessions: 3, calls: 40, socket, agent });
    console.log(`door ${figures.doorP95.toFixed(2)} ms, straight ${figures.directP95.toFixed(2)} ms p95 over ${figures.calls} calls: ×${figures.ratio.toFixed(2)}; where the door is the workspace's own host ×${figures.sameHostRatio.toFixed(2)}`);
    for (const value of [figures.doorP95, figures.directP95, figures.ratio, figures.sameHostDoorP95, figures.sameHostRatio]) assert.ok(Number.isFinite(value) && value > 0, String(value));
  });
});
