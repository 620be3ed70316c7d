/**
 * What following sessions' usage costs: an answer appended to a transcript (and a status line
 * written) until the engine's change event carries the new figures, against a bare fs.watch
 * seeing the same write; and an engine's start with many sessions whose long transcripts were
 * read before, against the same start with no usage to follow. The agents are the quiet
 * stand-in; the bench plays Claude Code's part (hook events, transcript lines, status lines).
 */
import { watch } from 'node:fs';
import { appendFile, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { basename, dirname, join } from 'node:path';
import { totalTokens } from '../src/core/model/usage';
import type { SessionRecord } from '../src/core/model/sessionRecord';
import { SessionEngine } from '../src/core/sessions/sessionEngine';
import { SessionFiles } from '../src/core/sessions/sessionFiles';
import { REGISTRY_KEY, SessionStore } from '../src/core/sessions/sessionStore';
import { UsageTracker } from '../src/core/sessions/usageTracker';
import { PriceTable } from '../src/core/usage/priceTable';
import { delay } from '../src/core/util/delay';
import { silentLogger, systemClock } from '../src/core/util/host';
import { MemoryStorage } from '../test/support/storage';
import { cleanupSocket, privateSocket } from '../test/support/tmuxServer';
import { writeHookEvent, writeQuietAgent } from '../test/support/quietAgent';
import { waitFor } from '../test/support/wait';

export interface UsageSizes {
  /** Answers appended to a transcript, then status lines written, each awaited until the engine shows it. */
  events: number;
  /** Live sessions with a transcript of `transcriptBytes` each, and starts measured per side. */
  sessions: number;
  transcriptBytes: number;
  starts: number;
}

export interface UsageFigures {
  /** ms from the write: the engine's change event with the new figures, and a bare fs.watch on the same folder. */
  transcript: number[];
  transcriptWatch: number[];
  statusLine: number[];
  statusLineWatch: number[];
  /** ms of SessionEngine.create, with the usage read before (offsets kept) and with no usage to follow. */
  startWith: number[];
  startWithout: number[];
  /** ms of the usage tracker's own start (what the engine's start awaits of it), on the same records and folder. */
  trackerWith: number[];
  trackerWithout: number[];
  /** MiB the process holds more after such a start, the engine still open (heap and buffers, after full GCs). */
  memoryWith: number[];
  memoryWithout: number[];
  /** MiB most in use (heap and buffers) above the level before, sampled every ms during one more start of each kind. */
  peakWith: Peak;
  peakWithout: Peak;
  /** The first start, which read every transcript whole: ms, MB read, and its peak. */
  firstStartMs: number;
  firstStartMB: number;
  firstStartPeak: Peak;
}

export interface Peak {
  inUseMiB: number;
}

const MIB = 1024 * 1024;
const STEP_MS = 30_000;
const SESSION = '__SESSION__';

/** `repo`: where the fixtures are (a real status line's input is the one written). */
export async function measureUsage(repo: string, sizes: UsageSizes, log: (line: string) => void = () => undefined): Promise<UsageFigures> {
  const root = await mkdtemp(join(tmpdir(), 'instar-usagebench-'));
  const socket = privateSocket('usagebench');
  const agent = await writeQuietAgent(join(root, 'bin'));
  const cwd = join(root, 'work');
  await mkdir(cwd);
  const stateDir = join(root, 'state');
  const usageDir = join(stateDir, 'usage');
  const storage = new MemoryStorage();
  const options = { stateDir, storage, socket, agentCommand: agent, monitorIntervalMs: 0 };
  const statusLine = JSON.parse(await readFile(join(repo, 'test', 'fixtures', 'transcripts', '2.1.197-status-line.json'), 'utf8')) as Record<string, unknown>;
  try {
    // ---- The sessions: live (the quiet agent), each with a transcript in a folder of its own
    // (as sessions in worktrees of their own have: the most folders to watch), and a status line.
    log(`usage: ${sizes.sessions} sessions with ${sizes.transcriptBytes / 1e6} MB transcripts…`);
    const setup = await SessionEngine.create(options);
    const records: SessionRecord[] = [];
    const history = transcript(sizes.transcriptBytes);
    try {
      for (let i = 0; i < sizes.sessions; i += 1) records.push(await setup.spawn({ name: `usage-${i}`, prompt: '', cwd }));
      for (const [i, record] of records.entries()) {
        // The record's claudeSessionId is its id (given to claude as --session-id).
        const file = join(root, 'claude', 'projects', `-bench-work-${i}`, `${record.id}.jsonl`);
        await mkdir(dirname(file), { recursive: true });
        await writeFile(file, history.text.split(SESSION).join(record.id));
        await writeStatusLine(usageDir, record.id, { ...statusLine, session_id: record.id, transcript_path: file });
        await writeHookEvent(join(stateDir, 'events'), record.id, { hook_event_name: 'SessionStart', transcript_path: file, session_id: record.id });
      }
      await waitFor('every session idle with its transcript', () => setup.list().every((record) => record.status === 'idle' && record.transcriptPath !== undefined), STEP_MS * 2);
    } finally {
      setup.dispose();
    }

    // ---- The first start reads every transcript whole (once: the offsets stay on the records).
    log('usage: first start, reading every transcript…');
    let firstStartMs = 0;
    let firstStartPeak: Peak;
    {
      const sampler = await sampling();
      const started = performance.now();
      const engine = await SessionEngine.create(options);
      await engine.usage.read();
      firstStartMs = performance.now() - started;
      firstStartPeak = sampler.stop();
      try {
        for (const record of engine.list()) {
          const size = (await stat(record.transcriptPath!)).size;
          const tokens = record.usage ? totalTokens(record.usage.tokens) : 0;
          if (record.usageCursor?.offset !== size || tokens !== history.tokens) {
            throw new Error(`bench: ${record.name}'s usage after the first start: offset ${record.usageCursor?.offset} of ${size}, ${tokens} tokens of ${history.tokens}`);
          }
        }
      } finally {
        engine.dispose();
      }
    }

    // ---- Starts with the usage read before, and with none to follow: the same live sessions,
    // their records without transcript or usage, the usage folder away.
    const bare = new MemoryStorage();
    const stored = storage.get<{ version: 1; sessions: SessionRecord[] }>(REGISTRY_KEY)!;
    await bare.update(REGISTRY_KEY, { ...stored, sessions: stored.sessions.map(({ transcriptPath: _t, usage: _u, usageCursor: _c, ...rest }) => rest) });
    const figures: UsageFigures = { transcript: [], transcriptWatch: [], statusLine: [], statusLineWatch: [], startWith: [], startWithout: [], trackerWith: [], trackerWithout: [], memoryWith: [], memoryWithout: [], peakWith: { inUseMiB: 0 }, peakWithout: { inUseMiB: 0 }, firstStartMs, firstStartMB: (sizes.sessions * sizes.transcriptBytes) / 1e6, firstStartPeak };
    const aside = `${usageDir}-aside`;
    /** Runs `work` with the usage folder as it is, or (for a start without usage) empty, then puts it back. */
    const usageFolder = async <T>(withUsage: boolean, work: () => Promise<T>): Promise<T> => {
      if (withUsage) return work();
      await rename(usageDir, aside);
      try {
        return await work();
      } finally {
        await rm(usageDir, { recursive: true, force: true });
        await rename(aside, usageDir);
      }
    };
    const start = (withUsage: boolean, sample: boolean) =>
      usageFolder(withUsage, async () => {
        // What the engine before left to do (its event pruning) is done: each start runs on a quiet process.
        await delay(100);
        const before = await held();
        const sampler = sample ? await sampling() : undefined;
        const started = performance.now();
        const engine = await SessionEngine.create({ ...options, storage: withUsage ? storage : bare });
        // Its reads of what is new run off the start's path: counted here all the same.
        await engine.usage.read();
        const ms = performance.now() - started;
        const peak = sampler?.stop();
        const after = await held();
        engine.dispose();
        return { ms, mib: (after - before) / MIB, peak };
      });
    // The usage tracker alone, as the engine builds it: its part of a start, without the rest's noise.
    const trackerStart = (withUsage: boolean) =>
      usageFolder(withUsage, async () => {
        await held();
        const store = new SessionStore(withUsage ? storage : bare, silentLogger);
        const prices = new PriceTable();
        const tracker = new UsageTracker(store, new SessionFiles(stateDir), { clock: systemClock, logger: silentLogger, prices: () => prices, dailyBudgetUsd: () => undefined, removedCostOn: () => 0, stop: async () => undefined });
        const started = performance.now();
        tracker.start();
        await tracker.idle();
        const ms = performance.now() - started;
        tracker.dispose();
        store.dispose();
        return ms;
      });
    for (let run = 0; run < sizes.starts; run += 1) {
      log(`usage: start with and without usage, ${run + 1} of ${sizes.starts}…`);
      // Alternating order, so that neither side always runs on a warmer (or busier) machine.
      for (const withUsage of run % 2 === 0 ? [true, false] : [false, true]) {
        const { ms, mib } = await start(withUsage, false);
        (withUsage ? figures.startWith : figures.startWithout).push(ms);
        (withUsage ? figures.memoryWith : figures.memoryWithout).push(mib);
      }
    }
    for (let run = 0; run < sizes.starts; run += 1) {
      for (const withUsage of run % 2 === 0 ? [true, false] : [false, true]) (withUsage ? figures.trackerWith : figures.trackerWithout).push(await trackerStart(withUsage));
    }
    figures.peakWith = (await start(true, true)).peak!;
    figures.peakWithout = (await start(false, true)).peak!;
    // The premise: those starts had nothing to read, and counted nothing again.
    const after = storage.get<{ sessions: SessionRecord[] }>(REGISTRY_KEY)!.sessions;
    for (const record of after) {
      if (record.usageCursor?.offset !== (await stat(record.transcriptPath!)).size || totalTokens(record.usage!.tokens) !== history.tokens) throw new Error(`bench: ${record.name}'s usage changed in a start that had nothing new to read`);
    }

    // ---- An answer appended → the engine shows its tokens; a status line written → its cost.
    // One of the sessions, its transcript as long as the others', all of them followed.
    const engine = await SessionEngine.create(options);
    try {
      const target = engine.get(records[0].name)!;
      const file = target.transcriptPath!;
      log(`usage: ${sizes.events} answers appended…`);
      for (let i = 0; i < sizes.events; i += 1) {
        const answer = answerLine(target.id, `msg_bench${i}`, 100 + i);
        const expected = totalTokens(engine.get(target.name)!.usage!.tokens) + answer.tokens;
        const shown = (record: SessionRecord) => record.usage !== undefined && totalTokens(record.usage.tokens) === expected;
        const [ours, watched] = await seen(`answer ${i + 1} of ${sizes.events}`, engine, target.name, shown, dirname(file), basename(file), (at) => {
          at();
          return appendFile(file, answer.text);
        });
        figures.transcript.push(ours);
        figures.transcriptWatch.push(watched);
        await delay(20 + Math.random() * 30);
      }
      log(`usage: ${sizes.events} status lines written…`);
      for (let i = 0; i < sizes.events; i += 1) {
        const cost = Number((1 + (i + 1) / 100).toFixed(4));
        const input = { ...statusLine, session_id: target.id, transcript_path: file, cost: { ...(statusLine.cost as object), total_cost_usd: cost } };
        const shown = (record: SessionRecord) => record.usage?.costUsd === cost;
        const [ours, watched] = await seen(`status line ${i + 1} of ${sizes.events}`, engine, target.name, shown, usageDir, `${target.id}.json`, (at) => writeStatusLine(usageDir, target.id, input, at));
        figures.statusLine.push(ours);
        figures.statusLineWatch.push(watched);
        await delay(20 + Math.random() * 30);
      }
    } finally {
      engine.dispose();
    }
    return figures;
  } finally {
    cleanupSocket(socket);
    await rm(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
}

/**
 * Runs `write`, which calls `at()` just before the write that counts (an append, a rename), and
 * resolves with the ms from then until the engine's change event shows it, and until a bare
 * fs.watch on `dir` sees `file` change (the physical limit). The watcher also keeps Node running
 * meanwhile.
 */
async function seen(step: string, engine: SessionEngine, name: string, shown: (record: SessionRecord) => boolean, dir: string, file: string, write: (at: () => void) => Promise<unknown>): Promise<[number, number]> {
  let started = 0;
  let changedAt = 0;
  let watchedAt = 0;
  const subscription = engine.onDidChange((change) => {
    if (started && !changedAt && change.changed.some((record) => record.name === name && shown(record))) changedAt = performance.now();
  });
  const watcher = watch(dir, (_kind, changed) => {
    if (started && !watchedAt && changed?.toString() === file) watchedAt = performance.now();
  });
  try {
    const at = () => (started = performance.now());
    await write(at);
    await waitFor(`the usage bench's ${step}`, () => (changedAt && watchedAt ? true : undefined), STEP_MS, 1);
    return [changedAt - started, watchedAt - started];
  } finally {
    subscription.dispose();
    watcher.close();
  }
}

/** A status line's input kept as the status line command does: a hidden temporary, renamed into place. */
async function writeStatusLine(dir: string, id: string, input: unknown, at: () => void = () => undefined): Promise<void> {
  const temporary = join(dir, `.${Math.random().toString(36).slice(2, 10)}`);
  await writeFile(temporary, JSON.stringify(input));
  at();
  await rename(temporary, join(dir, `${id}.json`));
}

/**
 * The heap and buffers held, after two full GCs (one frees a dead buffer, its memory is given
 * back at the next). The GC is exposed here when --expose-gc was not given (the smoke run), so
 * that the figures mean the same in every run.
 */
async function held(): Promise<number> {
  const gc = exposedGc();
  gc();
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  return inUse();
}

let collect: (() => void) | undefined;
function exposedGc(): () => void {
  collect ??= (globalThis as { gc?: () => void }).gc;
  if (!collect) {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  return collect;
}

function inUse(): number {
  const { heapUsed, external } = process.memoryUsage();
  return heapUsed + external;
}

/**
 * Samples every ms the most in use (heap and buffers) above the level after full GCs. Not the
 * resident size: memory freed once stays with the process, so its growth says little after the first use.
 */
async function sampling(): Promise<{ stop(): Peak }> {
  const before = await held();
  let most = before;
  const sample = () => (most = Math.max(most, inUse()));
  const timer = setInterval(sample, 1);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { inUseMiB: (most - before) / MIB };
    },
  };
}

// ---- Transcripts like Claude Code's (see test/fixtures/transcripts/2.1.197-turns.jsonl).

const common = (session: string, at: number) => ({ isSidechain: false, uuid: uuid(at), timestamp: new Date(Date.UTC(2026, 11, 1) + at * 1000).toISOString(), userType: 'external', entrypoint: 'cli', cwd: '/home/user/project', sessionId: session, version: '2.1.197', gitBranch: 'main' });
const uuid = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
const usageOf = (n: number) => ({ input_tokens: 3 + (n % 7), cache_creation_input_tokens: 1000 + n, cache_read_input_tokens: 20_000 + 10 * n, output_tokens: 50 + (n % 400), service_tier: 'standard' });
const tokensOf = (usage: ReturnType<typeof usageOf>) => usage.input_tokens + usage.cache_creation_input_tokens + usage.cache_read_input_tokens + usage.output_tokens;

/** One answer's line with known usage (a whole line, as Claude Code appends it). */
function answerLine(session: string, id: string, n: number): { text: string; tokens: number } {
  const usage = usageOf(n);
  const entry = { parentUuid: uuid(n - 1), message: { id, type: 'message', role: 'assistant', model: 'claude-sonnet-5', content: [{ type: 'text', text: `Reply ${n}: done, with a \`code\` span.` }], stop_reason: 'end_turn', usage }, type: 'assistant', ...common(session, n) };
  return { text: `${JSON.stringify(entry)}\n`, tokens: tokensOf(usage) };
}

/**
 * A transcript of about `bytes` (with the session id as SESSION): turns of a prompt, an answer
 * that calls a tool (two lines of one message, as Claude Code writes a line per content block),
 * the tool's result (150 to 1,500 lines of a file, 12 to 150 KB, in the message and again in
 * toolUseResult, as Claude Code keeps it), a final answer and the turn's duration. With the
 * tokens its answers count.
 */
function transcript(bytes: number): { text: string; tokens: number } {
  const lines: string[] = [];
  let size = 0;
  let tokens = 0;
  let n = 0;
  const push = (entry: unknown) => {
    const line = `${JSON.stringify(entry)}\n`;
    lines.push(line);
    size += Buffer.byteLength(line);
  };
  const source = Array.from({ length: 4000 }, (_, i) => `${String(i + 1).padStart(6)}→  const value${i} = compute(${i}, "${'abcdefghij'.repeat(1 + (i % 5))}"); // line ${i}`);
  while (size < bytes) {
    n += 1;
    push({ parentUuid: uuid(n * 10 - 1), promptId: uuid(n), type: 'user', message: { role: 'user', content: `Prompt ${n}: look at src/file${n}.ts and fix what is wrong there, then run the tests.` }, ...common(SESSION, n * 10), permissionMode: 'bypassPermissions', promptSource: 'typed' });
    const call = usageOf(n * 2);
    const callMessage = { id: `msg_call${n}`, type: 'message', role: 'assistant', model: 'claude-sonnet-5', stop_reason: 'tool_use', usage: call };
    push({ parentUuid: uuid(n * 10), message: { ...callMessage, content: [{ type: 'text', text: `Let me read src/file${n}.ts first.` }] }, type: 'assistant', ...common(SESSION, n * 10 + 1) });
    push({ parentUuid: uuid(n * 10 + 1), message: { ...callMessage, content: [{ type: 'tool_use', id: `toolu_${n}`, name: 'Read', input: { file_path: `/home/user/project/src/file${n}.ts` } }] }, type: 'assistant', ...common(SESSION, n * 10 + 2) });
    tokens += tokensOf(call);
    const resultLines = 150 + ((n * 7919) % 1350);
    const result = source.slice(0, resultLines).join('\n');
    push({ parentUuid: uuid(n * 10 + 2), type: 'user', message: { role: 'user', content: [{ tool_use_id: `toolu_${n}`, type: 'tool_result', content: result, is_error: false }] }, toolUseResult: { type: 'text', file: { filePath: `/home/user/project/src/file${n}.ts`, content: result, numLines: resultLines, startLine: 1, totalLines: resultLines } }, ...common(SESSION, n * 10 + 3) });
    const reply = usageOf(n * 2 + 1);
    push({ parentUuid: uuid(n * 10 + 3), message: { id: `msg_reply${n}`, type: 'message', role: 'assistant', model: 'claude-sonnet-5', content: [{ type: 'text', text: `Fixed the off-by-one in src/file${n}.ts; the tests pass. ${'Details of the change. '.repeat(20)}` }], stop_reason: 'end_turn', usage: reply }, type: 'assistant', ...common(SESSION, n * 10 + 4) });
    tokens += tokensOf(reply);
    push({ parentUuid: uuid(n * 10 + 4), type: 'system', subtype: 'turn_duration', durationMs: 4000 + n, isMeta: false, ...common(SESSION, n * 10 + 5) });
  }
  return { text: lines.join(''), tokens };
}
