/** The Instar-compatible HTTP API through real HTTP clients, against the real engine on real tmux. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { promisify } from 'node:util';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '../../src/core/util/host';
import { ApiServer, MAX_BODY_BYTES } from '../../src/core/http/apiServer';
import { MAX_PROMPT_BYTES } from '../../src/core/sessions/validation';
import { agentApiEnvironment, generateToken, writeInstarConfig } from '../../src/core/http/instarConfig';
import { ApiClient, ApiError } from '../../src/cli/apiClient';
import { decodeRecordTag, showRecordTag } from '../../src/core/tmux/sessionTags';
import { Harness, RECORDER_AGENT, REPO, startHarness } from '../support/engineHarness';
import { tmuxOn } from '../support/tmuxServer';
import { waitFor } from '../support/wait';

const run = promisify(execFile);

describe('HTTP API', () => {
  let h: Harness;
  let api: ApiServer;
  let base: string;
  let records: string;
  const token = generateToken();

  const call = async (method: string, path: string, options: { body?: unknown; raw?: string; auth?: string | null } = {}) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const auth = options.auth === undefined ? `Bearer ${token}` : options.auth;
    if (auth !== null) headers.authorization = auth;
    const response = await fetch(`${base}${path}`, { method, headers, body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)) });
    return { status: response.status, headers: response.headers, json: (await response.json()) as any };
  };
  /** A request with headers fetch would not let through (Host). */
  const rawRequest = (path: string, headers: Record<string, string>) =>
    new Promise<number>((resolve, reject) => {
      const req = request(`${base}${path}`, { headers: { authorization: `Bearer ${token}`, ...headers } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });

  before(async () => {
    h = await startHarness('api', { agentCommand: RECORDER_AGENT });
    records = join(h.root, 'records');
    await mkdir(records);
    process.env.RECORD_DIR = records;
    process.env.RECORDER_LINES = '3';
    api = new ApiServer(h.engine, { port: 0, token, cwd: h.root, version: '0.1.0', logger: silentLogger });
    base = `http://127.0.0.1:${await api.start()}`;
  });
  after(async () => {
    await api.stop();
    await h.dispose();
  });

  it('answers /health without a token', async () => {
    const { status, json } = await call('GET', '/health', { auth: null });
    assert.equal(status, 200);
    assert.equal(json.status, 'ok');
    assert.equal(json.version, '0.1.0');
    assert.equal(json.sessions.total, 0);
  });

  it('wants the token: 401 without, 403 when wrong, 200 when right', async () => {
    assert.equal((await call('GET', '/sessions', { auth: null })).status, 401);
    assert.match((await call('GET', '/sessions', { auth: null })).json.error, /Bearer/);
    assert.equal((await call('GET', '/sessions', { auth: 'Bearer wrong' })).status, 403);
    const right = await call('GET', '/sessions');
    assert.equal(right.status, 200);
    assert.deepEqual(right.json, []);
  });

  it('spawns: 201 with the session object; 409 for a taken name; 400 saying which field', async () => {
    const { status, json } = await call('POST', '/sessions/spawn', { body: { name: 'api-one', prompt: 'From the API $(x) "q"', jobSlug: 'nightly' } });
    assert.equal(status, 201);
    for (const field of ['name', 'status', 'model', 'prompt', 'jobSlug', 'startedAt', 'endedAt', 'exitCode', 'tmuxSession', 'claudeSessionId', 'cwd']) assert.ok(field in json, field);
    assert.equal(json.name, 'api-one');
    assert.equal(json.model, 'sonnet');
    assert.equal(json.jobSlug, 'nightly');
    assert.equal(json.endedAt, null);
    const again = await call('POST', '/sessions/spawn', { body: { name: 'api-one', prompt: 'x' } });
    assert.equal(again.status, 409);
    assert.match(again.json.error, /already exists/);
    const badName = await call('POST', '/sessions/spawn', { body: { name: 'Bad Name', prompt: 'x' } });
    assert.equal(badName.status, 400);
    assert.match(badName.json.error, /lower-case letters/);
    assert.match((await call('POST', '/sessions/spawn', { body: { name: 'no-prompt' } })).json.error, /"prompt"/);
    assert.equal((await call('POST', '/sessions/spawn', { raw: '{not json' })).status, 400);
    assert.equal((await call('POST', '/sessions/spawn', { raw: '[1,2]' })).status, 400);
    assert.equal((await call('POST', '/sessions/spawn', { body: { name: 'm', prompt: 'x', model: 5 } })).status, 400);
  });

  it('lists sessions, filtered by status, and the tmux server sessions', async () => {
    const all = await call('GET', '/sessions');
    assert.deepEqual(all.json.map((s: { name: string }) => s.name), ['api-one']);
    // It is under exactly one live state; its state may change between the four calls (starting →
    // running), so the four are asked again until a round falls between two changes.
    const listing = () => Promise.all(['starting', 'running', 'waiting', 'idle'].map(async (status) => (await call('GET', `/sessions?status=${status}`)).json.length as number));
    let counts: number[] = [];
    await waitFor('api-one under exactly one live state', async () => ((counts = await listing()).reduce((sum, count) => sum + count, 0) === 1 ? true : undefined), 15_000, 100).catch((error: Error) => {
      throw new Error(`${error.message}: ${counts.join(', ')}`);
    });
    assert.equal((await call('GET', '/sessions?status=completed')).json.length, 0);
    assert.equal((await call('GET', '/sessions?status=bogus')).status, 400);
    const tmux = await call('GET', '/sessions/tmux');
    assert.ok(tmux.json.sessions.some((s: { name: string }) => s.name.endsWith('/api-one')));
  });

  it('reads output and sends input', async () => {
    await waitFor('the recorder', () => readFile(join(records, 'api-one.argv.json'), 'utf8'));
    const output = await waitFor('output', async () => {
      const { json } = await call('GET', '/sessions/api-one/output?lines=5');
      return json.output.includes('ready>') ? json : undefined;
    });
    assert.equal(output.session, 'api-one');
    assert.equal((await call('GET', '/sessions/api-one/output?lines=0')).status, 400);
    assert.equal((await call('GET', '/sessions/nope/output')).status, 404);
    const sent = await call('POST', '/sessions/api-one/input', { body: { text: 'hello from curl' } });
    assert.equal(sent.json.ok, true);
    // When it was sent, for a wait that must not be answered by the state before it.
    assert.ok(Math.abs(Date.parse(sent.json.sentAt) - Date.now()) < 60_000, sent.json.sentAt);
    await waitFor('the input', async () => (await readFile(join(records, 'api-one.input.bin'), 'latin1').catch(() => '')) === 'hello from curl\r');
    assert.equal((await call('POST', '/sessions/api-one/input', { body: {} })).status, 400);
  });

  it('refuses to resume a live session or one without a Claude Code conversation, and a bad idle limit', async () => {
    const live = await call('POST', '/sessions/api-one/resume', { body: {} });
    assert.equal(live.status, 409);
    assert.match(live.json.error, /still (starting|running|idle); only an ended session can be resumed/);
    const badIdle = await call('POST', '/sessions/spawn', { body: { name: 'api-idle', prompt: 'x', endWhenIdleSeconds: -1 } });
    assert.equal(badIdle.status, 400);
    assert.match(badIdle.json.error, /endWhenIdleSeconds/);
    assert.equal((await call('POST', '/sessions/api-one/resume', { body: { text: 42 } })).status, 400);
  });

  it('shows no dialog where none is, refuses an answer then, and sends keys by name', async () => {
    const dialog = await call('GET', '/sessions/api-one/dialog');
    assert.equal(dialog.status, 200);
    assert.deepEqual(dialog.json, { session: 'api-one', dialog: null });
    const answer = await call('POST', '/sessions/api-one/answer', { body: { option: 'Yes' } });
    assert.equal(answer.status, 409);
    assert.match(answer.json.error, /shows no dialog/);
    assert.equal((await call('POST', '/sessions/api-one/answer', { body: {} })).status, 400);
    assert.equal((await call('POST', '/sessions/api-one/keys', { body: { keys: ['NotAKey'] } })).status, 400);
    const before = (await readFile(join(records, 'api-one.input.bin'), 'latin1').catch(() => '')).length;
    assert.deepEqual((await call('POST', '/sessions/api-one/keys', { body: { keys: ['Escape'] } })).json, { ok: true });
    await waitFor('the key', async () => (await readFile(join(records, 'api-one.input.bin'), 'latin1')).slice(before) === '\x1b');
  });

  it('answers 400, not 500, for a malformed %-escape in the path', async () => {
    const { status, json } = await call('GET', '/sessions/%E0%A4%A/output');
    assert.equal(status, 400);
    assert.match(json.error, /malformed %-escape/);
  });

  it('DELETE kills a live session, then removes it once ended; 404 for an unknown one', async () => {
    assert.deepEqual((await call('DELETE', '/sessions/api-one')).json, { ok: true });
    assert.equal(h.engine.get('api-one')?.status, 'killed');
    assert.equal((await call('POST', '/sessions/api-one/input', { body: { text: 'x' } })).status, 409);
    assert.deepEqual((await call('DELETE', '/sessions/api-one')).json, { ok: true });
    assert.equal(h.engine.get('api-one'), undefined);
    assert.equal((await call('DELETE', '/sessions/api-one')).status, 404);
  });

  it('answers 405 with Allow for a wrong method, 404 for an unknown route, 400 for a prompt over the limit, 413 for a body over its limit', async () => {
    const wrong = await call('PUT', '/sessions');
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.get('allow'), 'GET');
    assert.equal((await call('GET', '/nothing/here')).status, 404);
    const over = await call('POST', '/sessions/spawn', { raw: JSON.stringify({ name: 'big', prompt: 'x'.repeat(MAX_PROMPT_BYTES + 1) }) });
    assert.equal(over.status, 400);
    const huge = await call('POST', '/sessions/spawn', { raw: JSON.stringify({ name: 'big', prompt: 'x'.repeat(MAX_BODY_BYTES + 10) }) });
    assert.equal(huge.status, 413);
  });

  it('refuses a non-loopback Host (DNS rebinding) and any browser Origin', async () => {
    assert.equal(await rawRequest('/sessions', { host: 'evil.example.com' }), 403);
    assert.equal(await rawRequest('/sessions', { host: 'localhost:1234' }), 200);
    assert.equal(await rawRequest('/sessions', { origin: 'https://evil.example.com' }), 403);
  });

  it('takes 20 spawns in parallel: all 201, distinct, none lost', async () => {
    const names = Array.from({ length: 20 }, (_, i) => `burst-${i}`);
    const results = await Promise.all(names.map((name) => call('POST', '/sessions/spawn', { body: { name, prompt: `task ${name}` } })));
    assert.deepEqual(results.map((r) => r.status), names.map(() => 201));
    assert.deepEqual(new Set(results.map((r) => r.json.name)).size, 20);
    for (const name of names) assert.ok(h.engine.get(name), `${name} in the registry`);
  });

  it('refuses on every route a query parameter or body field it does not take, naming the ones it does; nothing is done', async () => {
    const target = h.engine.list().find((record) => record.endedAt === undefined)!;
    // Names, runs and whether each is live: what a request done would change (starting turns running by itself).
    const state = () => JSON.stringify(h.engine.list().map((record) => [record.name, record.runs, record.endedAt === undefined, record.budgetUsd]));
    const before = state();
    let checked = 0;
    for (const { path, method, takes } of api.routeTable) {
      const concrete = path.source.replace(/^\^/, '').replace(/\$$/, '').replace('([^/]+)', target.name).replace(/\\\//g, '/');
      const expected = (what: string, taken: readonly string[] | undefined) =>
        `Unknown ${what} "colour" for ${method} ${concrete}: it takes ${taken?.length ? taken.join(', ') : `no ${what}s`}.`;
      const byQuery = await call(method, `${concrete}?colour=red`, method === 'POST' ? { body: {} } : {});
      assert.deepEqual([byQuery.status, byQuery.json.error], [400, expected('query parameter', takes.query)], `${method} ${concrete}?colour=red`);
      if (method === 'POST') {
        const byBody = await call(method, concrete, { body: { colour: 'red' } });
        assert.deepEqual([byBody.status, byBody.json.error], [400, expected('field', takes.body)], `${method} ${concrete} {colour}`);
      }
      checked += 1;
    }
    assert.ok(checked >= 20, `${checked} routes and methods`);
    // What was tried as a user would: a follow-up sent as "prompt" to resume, refused rather than dropped.
    const resume = await call('POST', `/sessions/${target.name}/resume`, { body: { prompt: 'Carry on' } });
    assert.deepEqual([resume.status, resume.json.error], [400, `Unknown field "prompt" for POST /sessions/${target.name}/resume: it takes text.`]);
    const batch = await call('POST', '/sessions/batch', { body: { sessions: [{ name: 'b-one', prompt: 'x', colour: 'red' }] } });
    assert.equal(batch.status, 400);
    assert.match(batch.json.error, /^Nothing was spawned\. sessions\[0\]: Unknown field "colour": a session takes name, prompt, agent/);
    assert.equal(state(), before, 'nothing was done');
  });

  it('rotates the token', async () => {
    const next = generateToken();
    api.setToken(next);
    assert.equal((await call('GET', '/sessions')).status, 403);
    assert.equal((await call('GET', '/sessions', { auth: `Bearer ${next}` })).status, 200);
    api.setToken(token);
  });
});

describe('HTTP API limits and setup', () => {
  it('rate-limits a client with 429 and Retry-After', async () => {
    const h = await startHarness('apirate', { agentCommand: RECORDER_AGENT });
    const api = new ApiServer(h.engine, { port: 0, token: 't', cwd: h.root, version: 'x', logger: silentLogger, requestsPerMinute: 5 });
    try {
      const base = `http://127.0.0.1:${await api.start()}`;
      const statuses: number[] = [];
      for (let i = 0; i < 7; i += 1) statuses.push((await fetch(`${base}/health`)).status);
      assert.deepEqual(statuses.slice(0, 5), [200, 200, 200, 200, 200]);
      const limited = await fetch(`${base}/health`);
      assert.equal(limited.status, 429);
      assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    } finally {
      await api.stop();
      await h.dispose();
    }
  });

  it('says so when the port is in use, without crashing', async () => {
    const h = await startHarness('apiport', { agentCommand: RECORDER_AGENT });
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const api = new ApiServer(h.engine, { port, token: 't', cwd: h.root, version: 'x', logger: silentLogger });
      await assert.rejects(api.start(), new RegExp(`Port ${port} on 127.0.0.1 is already in use`));
    } finally {
      blocker.close();
      await h.dispose();
    }
  });

  it('writes .instar/config.json (0600, keeping other keys) and keeps that file, not the folder, out of git', async () => {
    const h = await startHarness('apiconfig');
    try {
      await mkdir(join(h.root, '.git', 'info'), { recursive: true });
      // As an earlier version left it: the whole folder excluded, among the user's own lines.
      await writeFile(join(h.root, '.git', 'info', 'exclude'), '# mine\n*.log\n.instar/\n');
      const file = await writeInstarConfig(h.root, { port: 4040, token: 'abc' });
      await writeInstarConfig(h.root, { port: 4041, token: 'def' });
      const config = JSON.parse(await readFile(file, 'utf8'));
      assert.deepEqual({ port: config.port, authToken: config.authToken, auth: config.auth }, { port: 4041, authToken: 'def', auth: { token: 'def' } });
      assert.equal((await stat(file)).mode & 0o777, 0o600);
      const exclude = await readFile(join(h.root, '.git', 'info', 'exclude'), 'utf8');
      assert.equal(exclude, '# mine\n*.log\n.instar/config.json\n', 'the token file once, the folder no longer, the user\'s lines kept');
      assert.deepEqual(agentApiEnvironment({ port: 4041, token: 'def' }, h.root), { INSTAR_SERVER_URL: 'http://127.0.0.1:4041', INSTAR_AUTH_TOKEN: 'def', INSTAR_CONFIG_FILE: join(h.root, '.instar', 'config.json') });
      assert.equal(generateToken().length, 64);
    } finally {
      await h.dispose();
    }
  });
});

describe('the curl examples of docs/api.md', () => {
  it('work as written against the server', async () => {
    const doc = await readFile(join(REPO, 'docs', 'api.md'), 'utf8');
    const block = /```sh\n([\s\S]*?)```/.exec(doc)![1];
    const examples = block.split('\n').filter((line) => line.startsWith('curl '));
    assert.equal(examples.length, 8);
    const h = await startHarness('apicurl', { agentCommand: RECORDER_AGENT });
    const token = generateToken();
    const api = new ApiServer(h.engine, { port: 0, token, cwd: h.root, version: 'x', logger: silentLogger });
    const port = await api.start();
    try {
      await mkdir(join(h.root, 'records'), { recursive: true });
      process.env.RECORD_DIR = join(h.root, 'records');
      // The documented lines, run by a shell as a user would, with PORT and TOKEN as in the doc.
      const outputs: string[] = [];
      for (const line of examples) {
        const { stdout } = await run('bash', ['-c', `${line} -w '\\n%{http_code}'`], { env: { ...process.env, PORT: String(port), TOKEN: token } });
        outputs.push(stdout);
      }
      const codes = outputs.map((out) => out.trim().split('\n').pop());
      assert.deepEqual(codes, ['200', '201', '200', '200', '200', '200', '200', '200']);
      assert.match(outputs[1], /"name":"researcher"/);
      assert.match(outputs[5], /"session":"researcher"/);
      assert.equal(h.engine.get('researcher')?.status, 'killed');
    } finally {
      await api.stop();
      await h.dispose();
    }
  });
});

describe('the limits on agents spawning agents: live sessions and the depth of a chain', () => {
  it('refuses a spawn past either with a 429 that says which limit, its value and where to raise it; nothing running is touched', async () => {
    const h = await startHarness('apilimits', { agentCommand: RECORDER_AGENT, maxLiveSessions: 4, maxSpawnDepth: 2 });
    const token = generateToken();
    const api = new ApiServer(h.engine, { port: 0, token, cwd: h.root, version: 'x', logger: silentLogger });
    const base = `http://127.0.0.1:${await api.start()}`;
    await mkdir(join(h.root, 'records'), { recursive: true });
    process.env.RECORD_DIR = join(h.root, 'records');
    /** A spawn as the instar command of session `caller` makes it (its ApiClient says who calls). */
    const spawnAs = (caller: string | undefined, name: string) =>
      new ApiClient({ INSTAR_SERVER_URL: base, INSTAR_AUTH_TOKEN: token, ...(caller ? { INSTAR_SESSION_NAME: caller } : {}) }, h.root).call<any>('POST', '/sessions/spawn', { name, prompt: `I am ${name}` }).then(
        (json) => ({ status: 201, json }),
        (error: ApiError) => ({ status: error.status, json: error.body }),
      );
    // What the view says: each limit once when spawns start being refused for it, and once when one gets through.
    const said: string[] = [];
    h.engine.onDidChangeSpawnRefusal((refusal) => said.push(refusal ? `${refusal.setting}=${refusal.limit}` : 'through'));
    try {
      assert.equal((await spawnAs(undefined, 'lead')).status, 201);
      const child = await spawnAs('lead', 'child');
      assert.equal(child.status, 201, JSON.stringify(child.json));
      assert.deepEqual([h.engine.get('child')?.parent, h.engine.get('child')?.depth, h.engine.get('lead')?.depth], ['lead', 1, undefined]);
      assert.equal((await spawnAs('child', 'grandchild')).status, 201);
      assert.equal(h.engine.get('grandchild')?.depth, 2);
      const tooDeep = await spawnAs('grandchild', 'great');
      assert.equal(tooDeep.status, 429);
      assert.equal(
        tooDeep.json.error,
        'Not spawned: great would be 3 deep in a chain of agents spawning agents (lead → child → grandchild → great), deeper than instar.sessions.maxSpawnDepth allows (2). Raise instar.sessions.maxSpawnDepth to go deeper.',
      );
      assert.equal(h.engine.get('great'), undefined);
      assert.equal(h.engine.spawnRefusal?.message, tooDeep.json.error);

      // A batch asking for three where one fits: one spawned, two refused with the limit's words.
      const response = await fetch(`${base}/sessions/batch`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-instar-session': 'lead' },
        body: JSON.stringify({ label: 'many', sessions: [1, 2, 3].map((n) => ({ name: `many-${n}`, prompt: 'x' })) }),
      });
      const batch = { status: response.status, json: (await response.json()) as any };
      assert.equal(batch.status, 207, JSON.stringify(batch.json));
      assert.ok(batch.json.sessions.filter((entry: any) => entry.session).every((entry: any) => h.engine.get(entry.name)?.parent === 'lead'), 'the batch is the caller\'s too');
      assert.equal(batch.json.spawned, 1);
      const refusals = batch.json.sessions.filter((entry: any) => entry.error).map((entry: any) => entry.error);
      assert.deepEqual(refusals, Array(2).fill('Not spawned: 4 sessions of this workspace are live, the most instar.sessions.maxLive allows (4). Wait for one to end or kill one, or raise instar.sessions.maxLive.'));
      const overLive = await spawnAs(undefined, 'one-more');
      assert.equal(overLive.status, 429);
      assert.match(overLive.json.error, /^Not spawned: 4 sessions of this workspace are live/);
      // Nothing already running was touched.
      assert.deepEqual(h.engine.list().filter((record) => record.endedAt === undefined).map((record) => record.name).sort(), ['child', 'grandchild', 'lead', h.engine.list().find((record) => record.batch === 'many')!.name].sort());
      // One ended: room again; and the lineage is in the tags, for every engine.
      assert.equal(h.engine.spawnRefusal?.setting, 'instar.sessions.maxLive');
      await h.engine.kill('grandchild');
      assert.equal((await spawnAs(undefined, 'one-more')).status, 201);
      assert.equal(h.engine.spawnRefusal, undefined);
      assert.deepEqual(said, ['instar.sessions.maxSpawnDepth=2', 'through', 'instar.sessions.maxLive=4', 'through']);
      const tag = decodeRecordTag(tmuxOn(h.socket, ...showRecordTag(h.engine.require('child').tmuxSession)));
      assert.deepEqual([tag?.parent, tag?.depth], ['lead', 1]);
    } finally {
      await api.stop();
      await h.dispose();
    }
  });
});
