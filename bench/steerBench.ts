/**
 * What steering sessions through the API costs: a state change until a wait is answered and an
 * event-stream client has it, against the engine's own change event for the same hook event;
 * and a batch spawn against single spawn requests. The agents are the quiet stand-in; the bench
 * writes their hook events as Claude Code does.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serverSentEvents } from '../src/cli/serverSentEvents';
import { ApiServer } from '../src/core/http/apiServer';
import { generateToken } from '../src/core/http/instarConfig';
import type { SessionStatus } from '../src/core/model/sessionRecord';
import { SessionEngine } from '../src/core/sessions/sessionEngine';
import { delay } from '../src/core/util/delay';
import { silentLogger } from '../src/core/util/host';
import { MemoryStorage } from '../test/support/storage';
import { cleanupSocket, privateSocket } from '../test/support/tmuxServer';
import { writeHookEvent, writeQuietAgent } from '../test/support/quietAgent';
import { waitFor, waitForStatus } from '../test/support/wait';

export interface SteerSizes {
  /** Hook events, alternating running and idle, each awaited by a wait and an event stream. */
  events: number;
  /** Sessions per batch, and rounds of (batch, single requests). */
  batch: number;
  rounds: number;
}

export interface SteerFigures {
  /** ms from the event file's rename: the engine's change event, a wait's answer, a stream's event. */
  change: number[];
  wait: number[];
  stream: number[];
  /** ms until every session of a round is up: one batch request, N requests one after another, N at once. */
  batch: number[];
  sequential: number[];
  parallel: number[];
}

const now = () => performance.timeOrigin + performance.now();

export async function measureSteering(sizes: SteerSizes, log: (line: string) => void = () => undefined): Promise<SteerFigures> {
  const root = await mkdtemp(join(tmpdir(), 'instar-steerbench-'));
  const socket = privateSocket('steerbench');
  const agent = await writeQuietAgent(join(root, 'bin'));
  const cwd = join(root, 'work');
  await mkdir(cwd);
  const stateDir = join(root, 'state');
  const engine = await SessionEngine.create({ stateDir, storage: new MemoryStorage(), socket, agentCommand: agent, monitorIntervalMs: 1000 });
  const token = generateToken();
  const server = new ApiServer(engine, { port: 0, token, cwd, version: 'bench', logger: silentLogger, requestsPerMinute: 100_000 });
  const base = `http://127.0.0.1:${await server.start()}`;
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (!response.ok) throw new Error(`bench: ${method} ${path} answered ${response.status}: ${await response.text()}`);
    return response.json() as Promise<any>;
  };
  const stream = new AbortController();
  try {
    // ---- A state change → the engine's change event, a wait answered, an event delivered.
    log('steering: state change → wait and event stream…');
    await call('POST', '/sessions/spawn', { name: 'steer-target', prompt: '' });
    const { record } = await waitForStatus(engine, 'steer-target', 'idle', 30_000);
    const seen = new Map<string, number>();
    const response = await fetch(`${base}/events?name=steer-target`, { headers, signal: stream.signal });
    void (async () => {
      try {
        for await (const event of serverSentEvents(response.body as unknown as AsyncIterable<Uint8Array>)) {
          const data = event.data as { status: string; turns: number };
          if (event.event === 'session') seen.set(`${data.status}:${data.turns}`, now());
        }
      } catch {
        // Closed at the end.
      }
    })();
    const figures: SteerFigures = { change: [], wait: [], stream: [], batch: [], sequential: [], parallel: [] };
    for (let i = 0; i < sizes.events; i += 1) {
      const [event, status]: [string, SessionStatus] = i % 2 === 0 ? ['UserPromptSubmit', 'running'] : ['Stop', 'idle'];
      const turns = Math.floor((i + 1) / 2);
      const since = new Date().toISOString();
      let changedAt = 0;
      const subscription = engine.onDidChange((change) => {
        if (!changedAt && change.changed.some((changed) => changed.name === 'steer-target' && changed.status === status)) changedAt = now();
      });
      const waited = fetch(`${base}/sessions/steer-target/wait?until=${status}&since=${encodeURIComponent(since)}&timeout=60`, { headers }).then(async (answer) => {
        const at = now();
        if (answer.status !== 200) throw new Error(`bench: the wait answered ${answer.status}`);
        return at;
      });
      // The wait is registered on the server before the event is written.
      await delay(20);
      const writtenAt = await writeHookEvent(join(stateDir, 'events'), record.id, { hook_event_name: event });
      const waitAt = await waited;
      const streamAt = await waitFor(`the event stream's ${status}`, () => seen.get(`${status}:${turns}`), 10_000, 1);
      subscription.dispose();
      figures.change.push(changedAt - writtenAt);
      figures.wait.push(waitAt - writtenAt);
      figures.stream.push(streamAt - writtenAt);
      await delay(20 + Math.random() * 30);
    }
    stream.abort();

    // ---- One batch of N spawns vs N single requests (one after another, and all at once).
    for (let round = 0; round < sizes.rounds; round += 1) {
      log(`steering: batch of ${sizes.batch} vs single requests, round ${round + 1} of ${sizes.rounds}…`);
      const names = (kind: string) => Array.from({ length: sizes.batch }, (_, i) => `${kind}-${round}-${i}`);
      const runs: [keyof SteerFigures, () => Promise<unknown>][] = [
        ['batch', () => call('POST', '/sessions/batch', { label: `bench-${round}`, sessions: names('b').map((name) => ({ name, prompt: '' })) })],
        [
          'sequential',
          async () => {
            for (const name of names('s')) await call('POST', '/sessions/spawn', { name, prompt: '' });
          },
        ],
        ['parallel', () => Promise.all(names('p').map((name) => call('POST', '/sessions/spawn', { name, prompt: '' })))],
      ];
      // Alternating order, so that neither side always runs on a warmer (or busier) server.
      if (round % 2 === 1) runs.reverse();
      for (const [kind, spawn] of runs) {
        const started = performance.now();
        await spawn();
        figures[kind].push(performance.now() - started);
      }
      // Gone before the next round: the server does not grow from round to round.
      for (const session of await call('GET', '/sessions')) {
        if ((session as { name: string }).name === 'steer-target') continue;
        await engine.kill(session.name).catch(() => undefined);
        await engine.remove(session.name).catch(() => undefined);
      }
    }
    return figures;
  } finally {
    stream.abort();
    await server.stop();
    engine.dispose();
    cleanupSocket(socket);
    await rm(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
}
