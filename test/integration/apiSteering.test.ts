/**
 * Results, waits, the event stream and batches through real HTTP, against the real engine on real
 * tmux. The agent is a stand-in named "claude" that sleeps; the test plays Claude Code's hooks by
 * writing their events into the events folder, as Claude Code does (see quietAgent.ts).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApiServer } from '../../src/core/http/apiServer';
import { generateToken } from '../../src/core/http/instarConfig';
import { ProcessRunner } from '../../src/core/util/commandRunner';
import { silentLogger } from '../../src/core/util/host';
import { Harness, REPO, startHarness } from '../support/engineHarness';
import { serverSentEvents } from '../../src/cli/serverSentEvents';
import { writeHookEvent, writeQuietAgent } from '../support/quietAgent';
import { killServer } from '../support/tmuxServer';
import { waitFor, waitForStatus } from '../support/wait';

/** Runs tmux and counts the calls. */
class CountingRunner extends ProcessRunner {
  calls = 0;
  override run(...args: Parameters<ProcessRunner['run']>): ReturnType<ProcessRunner['run']> {
    this.calls += 1;
    return super.run(...args);
  }
}

describe('HTTP API: results, waits, events, batches', () => {
  let h: Harness;
  let api: ApiServer;
  let base: string;
  let events: string;
  const runner = new CountingRunner();
  const token = generateToken();

  const call = async (method: string, path: string, body?: unknown, signal?: AbortSignal) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
    return { status: response.status, json: (await response.json()) as any };
  };
  const idOf = (name: string) => h.engine.require(name).id;
  /** Spawns through the API and waits for the agent's own SessionStart: idle, a prompt-less session. */
  const spawnIdle = async (name: string, extra: Record<string, unknown> = {}) => {
    const spawned = await call('POST', '/sessions/spawn', { name, prompt: '', ...extra });
    assert.equal(spawned.status, 201, JSON.stringify(spawned.json));
    await waitForStatus(h.engine, name, 'idle', 30_000);
  };
  /** One turn as Claude Code reports it: the prompt taken, then the answer. */
  const turn = async (name: string, answer: string) => {
    await writeHookEvent(events, idOf(name), { hook_event_name: 'UserPromptSubmit', prompt: 'go' });
    await waitForStatus(h.engine, name, 'running', 30_000);
    return writeHookEvent(events, idOf(name), { hook_event_name: 'Stop', last_assistant_message: answer });
  };

  before(async () => {
    const agent = await writeQuietAgent(join(tmpdir(), `instar-quiet-${process.pid}`));
    // No monitor timer: every tmux call counted below is one the engine made for an event or a request.
    const cli = { runtime: process.execPath, script: join(REPO, 'dist', 'cli.js') };
    h = await startHarness('steer', { agentCommand: agent, monitorIntervalMs: 0, runner, cli });
    events = join(h.stateDir, 'events');
    api = new ApiServer(h.engine, { port: 0, token, cwd: h.root, version: 'x', logger: silentLogger });
    base = `http://127.0.0.1:${await api.start()}`;
  });
  after(async () => {
    await api.stop();
    await h.dispose();
  });

  it('result: the whole last answer and the turn count, then the next turn through input, wait and since', async () => {
    await spawnIdle('res-one');
    const none = await call('GET', '/sessions/res-one/result');
    assert.equal(none.status, 200);
    assert.deepEqual([none.json.answer, none.json.turns, none.json.answeredAt], [null, 0, null]);

    // Long, with lines, quotes and characters a shell or a terminal would mangle: it comes back whole.
    const first = `First answer with "quotes", $(not run) and ünïcode.\n${'A long line of the answer. '.repeat(200)}\nThe end.`;
    await turn('res-one', first);
    await waitForStatus(h.engine, 'res-one', 'idle', 30_000);
    const one = await call('GET', '/sessions/res-one/result');
    assert.equal(one.json.answer, first);
    assert.equal(one.json.turns, 1);
    assert.equal(one.json.status, 'idle');
    assert.ok(Date.parse(one.json.answeredAt) > 0);
    assert.equal((await call('GET', '/sessions/res-one')).json.turns, 1);

    // A follow-up: the wait with since= the input's time is not answered by the idle before it.
    const sent = await call('POST', '/sessions/res-one/input', { text: 'and then?' });
    assert.equal(sent.status, 200);
    assert.ok(Date.parse(sent.json.sentAt) > 0);
    let answered = false;
    const waiting = call('GET', `/sessions/res-one/wait?until=idle&since=${encodeURIComponent(sent.json.sentAt)}&timeout=60`).then((answer) => {
      answered = true;
      return { ...answer, at: performance.timeOrigin + performance.now() };
    });
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.equal(answered, false, 'the wait answered with the idle state from before the input');
    const stopAt = await turn('res-one', 'Second answer.');
    const waited = await waiting;
    assert.equal(waited.status, 200);
    assert.equal(waited.json.reached, 'idle');
    assert.equal(waited.json.session.turns, 2);
    console.log(`wait answered ${Math.round(waited.at - stopAt)} ms after the Stop event was written`);
    const two = await call('GET', '/sessions/res-one/result');
    assert.deepEqual([two.json.answer, two.json.turns], ['Second answer.', 2]);

    // The tmux server killed: the session is lost, its result stays.
    killServer(h.socket);
    await h.engine.refresh(); // what the monitor timer (off here) would do next
    const ended = await call('GET', '/sessions/res-one/wait?until=ended&timeout=60');
    assert.equal(ended.status, 200);
    assert.equal(ended.json.reached, 'ended');
    assert.equal(ended.json.session.status, 'lost');
    const kept = await call('GET', '/sessions/res-one/result');
    assert.deepEqual([kept.json.answer, kept.json.turns, kept.json.status], ['Second answer.', 2, 'lost']);
    assert.ok(kept.json.endedAt);
  });

  it('wait: 408 with the session at its time-out, 400 naming what is allowed, 404 for an unknown session', async () => {
    await spawnIdle('wait-one');
    const started = performance.now();
    const late = await call('GET', '/sessions/wait-one/wait?until=completed&timeout=1');
    assert.equal(late.status, 408);
    assert.match(late.json.error, /did not reach completed within 1 s; it is idle/);
    assert.equal(late.json.session.name, 'wait-one');
    assert.ok(performance.now() - started >= 900);
    // Already there: answered at once.
    const now = await call('GET', '/sessions/wait-one/wait?until=idle&timeout=5');
    assert.deepEqual([now.status, now.json.reached], [200, 'idle']);
    for (const [query, pattern] of [
      ['until=sleeping', /"until" takes states .* one of starting, running, idle, waiting, completed, error, killed, lost, ended/],
      ['timeout=-1', /"timeout" is in seconds, from 0 to 3600/],
      ['timeout=abc', /"timeout" is in seconds/],
      ['since=yesterday', /"since" is a time/],
    ] as const) {
      const bad = await call('GET', `/sessions/wait-one/wait?${query}`);
      assert.equal(bad.status, 400, query);
      assert.match(bad.json.error, pattern);
    }
    assert.equal((await call('GET', '/sessions/nobody/wait')).status, 404);
    assert.equal((await call('GET', '/sessions/nobody/result')).status, 404);
  });

  it('100 concurrent waits and 10 event streams cost no tmux call beyond what the engine makes for the turn itself', async () => {
    await spawnIdle('many-one');
    // The engine's own tmux calls for one turn (a snapshot of the screen at Stop), with nobody waiting.
    let before = runner.calls;
    await turn('many-one', 'turn without listeners');
    await waitForStatus(h.engine, 'many-one', 'idle', 30_000);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const alone = runner.calls - before;

    const streams = await Promise.all(Array.from({ length: 10 }, () => openStream(`${base}/events?name=many-one`, token)));
    const since = new Date().toISOString();
    before = runner.calls;
    const waits = Array.from({ length: 100 }, () => call('GET', `/sessions/many-one/wait?until=idle&since=${encodeURIComponent(since)}&timeout=60`));
    await new Promise((resolve) => setTimeout(resolve, 300));
    await turn('many-one', 'turn with 100 waits and 10 streams');
    const answers = await Promise.all(waits);
    assert.ok(answers.every((answer) => answer.status === 200 && answer.json.reached === 'idle'));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const watched = runner.calls - before;
    assert.equal(watched, alone, `tmux calls for a turn: ${alone} alone, ${watched} with 100 waits and 10 streams`);
    for (const stream of streams) {
      const seen = await stream.until((event) => event.event === 'session' && event.data.status === 'idle' && event.data.turns === 2);
      assert.equal(seen.data.name, 'many-one');
      assert.equal(stream.events[0].event, 'sessions');
      stream.close();
    }
  });

  it('events: the sessions first, then each change of state, then removal; a client that goes away costs nothing', async () => {
    const stream = await openStream(`${base}/events`, token);
    assert.equal(stream.events[0].event, 'sessions');
    assert.ok(Array.isArray(stream.events[0].data));
    await spawnIdle('ev-one');
    await stream.until((event) => event.event === 'session' && event.data.name === 'ev-one' && event.data.status === 'idle');
    await writeHookEvent(events, idOf('ev-one'), { hook_event_name: 'UserPromptSubmit' });
    await stream.until((event) => event.event === 'session' && event.data.name === 'ev-one' && event.data.status === 'running');
    await call('DELETE', '/sessions/ev-one');
    await stream.until((event) => event.event === 'session' && event.data.name === 'ev-one' && event.data.status === 'killed');
    await call('DELETE', '/sessions/ev-one');
    await stream.until((event) => event.event === 'removed' && event.data.name === 'ev-one');
    stream.close();
    // 70 clients that open and leave, one after another: past the limit of 64 open at once, so a
    // stream kept by the server after its client left would make the last ones refused.
    for (let i = 0; i < 70; i += 1) {
      const shortLived = await openStream(`${base}/events`, token);
      shortLived.close();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const last = await openStream(`${base}/events`, token);
    assert.equal(last.events[0].event, 'sessions');
    last.close();
    const unauthorized = await fetch(`${base}/events`);
    assert.equal(unauthorized.status, 401);
  });

  it('batch: one bad name among five refuses them all; five good ones start at once under one label, listed and waited for together', async () => {
    const countBefore = h.engine.list().length;
    const names = ['b-one', 'b-two', 'b-three', 'b-four', 'b-five'];
    // One bad name among five: nothing starts, and the refusal names it.
    const oneBad = await call('POST', '/sessions/batch', { label: 'survey', sessions: names.map((name, i) => ({ name: i === 3 ? 'b four' : name, prompt: '' })) });
    assert.equal(oneBad.status, 400);
    assert.match(oneBad.json.error, /^Nothing was spawned\. sessions\[3\]: Invalid session name "b four"/);
    assert.equal(h.engine.list().length, countBefore);
    const refused = await call('POST', '/sessions/batch', {
      label: 'survey',
      sessions: [{ name: 'b-one', prompt: '' }, { name: 'Bad Name', prompt: '' }, { name: 'b-one', prompt: '' }, { name: 'res-one', prompt: '' }, { name: 'b-two' }],
    });
    assert.equal(refused.status, 400);
    assert.match(refused.json.error, /^Nothing was spawned\./);
    assert.match(refused.json.error, /sessions\[1\]: Invalid session name "Bad Name"/);
    assert.match(refused.json.error, /sessions\[2\]: the name "b-one" is given twice/);
    assert.match(refused.json.error, /sessions\[3\]: a session named "res-one" exists already/);
    assert.match(refused.json.error, /sessions\[4\]: The body needs "prompt"/);
    assert.equal(h.engine.list().length, countBefore);
    for (const body of [{}, { sessions: [] }, { sessions: 'x' }, { sessions: Array.from({ length: 51 }, (_, i) => ({ name: `n${i}`, prompt: '' })) }, { label: 'Bad Label', sessions: [{ name: 'b-one', prompt: '' }] }]) {
      const bad = await call('POST', '/sessions/batch', body);
      assert.equal(bad.status, 400, JSON.stringify(body).slice(0, 80));
    }

    const batch = await call('POST', '/sessions/batch', { label: 'survey', model: 'haiku', sessions: names.map((name) => ({ name, prompt: '' })) });
    assert.equal(batch.status, 201, JSON.stringify(batch.json));
    assert.deepEqual([batch.json.label, batch.json.spawned, batch.json.failed], ['survey', 5, 0]);
    assert.deepEqual(batch.json.sessions.map((entry: any) => [entry.name, entry.session.label, entry.session.model]), names.map((name) => [name, 'survey', 'haiku']));
    const listed = await call('GET', '/sessions?label=survey');
    assert.deepEqual(listed.json.map((session: any) => session.name).sort(), [...names].sort());
    for (const name of names) await waitForStatus(h.engine, name, 'idle', 30_000);

    // Every one of the label: answered once the last one's turn is over; with mode=any, at the first.
    const since = new Date().toISOString();
    let all = false;
    const waitingAll = call('GET', `/labels/survey/wait?until=idle&since=${encodeURIComponent(since)}&timeout=60`).then((answer) => ((all = true), answer));
    const waitingAny = call('GET', `/labels/survey/wait?until=idle&since=${encodeURIComponent(since)}&timeout=60&mode=any`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await turn('b-one', 'one');
    const any = await waitingAny;
    assert.equal(any.status, 200);
    assert.deepEqual(any.json.sessions.filter((entry: any) => entry.reached === 'idle').map((entry: any) => entry.session.name), ['b-one']);
    for (const name of ['b-two', 'b-three', 'b-four']) await turn(name, name);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(all, false, 'the wait on every session answered before the last one was done');
    await turn('b-five', 'five');
    const every = await waitingAll;
    assert.equal(every.status, 200);
    assert.ok(every.json.sessions.every((entry: any) => entry.reached === 'idle'));
    assert.equal((await call('GET', '/labels/nobody/wait?timeout=1')).status, 404);
    const late = await call('GET', '/labels/survey/wait?until=completed&timeout=1');
    assert.equal(late.status, 408);
    assert.equal(late.json.sessions.length, 5);
  });

  it('a session named like a route ("batch") is still read by GET; POST /sessions/batch still spawns', async () => {
    await spawnIdle('batch');
    const got = await call('GET', '/sessions/batch');
    assert.deepEqual([got.status, got.json.name], [200, 'batch']);
    const wrong = await fetch(`${base}/sessions/batch`, { method: 'PUT', headers: { authorization: `Bearer ${token}` } });
    assert.equal(wrong.status, 405);
    assert.match(wrong.headers.get('allow') ?? '', /POST/);
    assert.match(wrong.headers.get('allow') ?? '', /GET/);
  });

  it('puts the instar command on every agent\'s PATH, and it runs', async () => {
    const report = join(h.root, 'agents.txt');
    h.engine.configure({ agentEnv: { AGENT_REPORT: report } });
    await spawnIdle('path-one');
    const line = await waitFor('the agent report', async () => (await readFile(report, 'utf8').catch(() => '')).split('\n').find((entry) => entry.startsWith(idOf('path-one'))));
    const command = line.split(' ')[2];
    assert.equal(command, join(h.stateDir, 'bin', 'instar'));
    const { execFile } = await import('node:child_process');
    const out = await new Promise<string>((resolve, reject) => execFile(command, ['--help'], (error, stdout) => (error ? reject(error) : resolve(stdout))));
    assert.match(out, /instar spawn <name>/);
  });
});

interface StreamEvent {
  event: string;
  data: any;
}

/** An SSE client: collects events; `until` resolves with the first one (seen or to come) that matches. */
async function openStream(url: string, token: string): Promise<{ events: StreamEvent[]; until: (match: (event: StreamEvent) => boolean) => Promise<StreamEvent>; close: () => void }> {
  const controller = new AbortController();
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /text\/event-stream/);
  const events: StreamEvent[] = [];
  void (async () => {
    try {
      for await (const event of serverSentEvents(response.body as unknown as AsyncIterable<Uint8Array>)) events.push(event as StreamEvent);
    } catch {
      // Closed by the test.
    }
  })();
  await waitFor('the first event', () => events.length > 0, 10_000);
  return {
    events,
    until: (match) =>
      waitFor('an event', () => events.find(match), 30_000),
    close: () => controller.abort(),
  };
}
