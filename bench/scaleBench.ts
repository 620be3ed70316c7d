/**
 * How each cost grows with the number of sessions: the same quiet hooked sessions on one tmux
 * server, measured at each count of `counts` (10, 100, 1,000) as sessions are added, each figure
 * beside its baseline at the same count; then a start with `ended` ended sessions in the registry
 * beside the same start without them. The rows say the ratio at each count and how much the
 * ratio grew from the middle count to the largest (a cost that grows faster than what tmux itself
 * needs shows there).
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { SessionRecord } from '../src/core/model/sessionRecord';
import { SessionEngine } from '../src/core/sessions/sessionEngine';
import { REGISTRY_KEY } from '../src/core/sessions/sessionStore';
import { MemoryStorage } from '../test/support/storage';
import { killServer } from '../test/support/tmuxServer';
import { cpuPercent } from './loadBench';
import { bareWatchLatency, compileBundles, eventLatency, heapBytes, median, percentile, time, timeRefreshes, waitLatency, writeEvent, writeSleepingClaude } from './measure';

const run = promisify(execFile);

export interface ScaleSizes {
  /** The live session counts, ascending. */
  counts: number[];
  /** Ended sessions in the registry for the last start. */
  ended: number;
  refreshRuns: number;
  starts: number;
  events: number;
  cpuSeconds: number;
}

export interface ScalePoint {
  count: number;
  /** The median of the last spawns that brought the count up, and of bare `tmux new-session`s on the same server (ms). */
  spawnMs: number;
  spawnBare: number;
  refreshOurs: number;
  refreshBare: number;
  /** A start: the bundles' compile + an engine created on the registry and state folder + its list; baseline: the compile + one bare list-panes. */
  startOurs: number;
  startBare: number;
  heapMiB: number;
  stateKiB: number;
  eventP95: number;
  /** A wait for the state an event brings answered, with every other session waited on too (p95 ms). */
  waitP95: number;
  watchP95: number;
  /** % of a core, this process and the tmux server, the monitor at 1 s / off. */
  cpuOurs: number;
  cpuBare: number;
}

export interface ScaleFigures {
  points: ScalePoint[];
  /** A start with `ended` ended sessions beside the largest count's live ones, vs the same start without them. */
  ended: { count: number; live: number; startOurs: number; startBare: number; heapMiB: number; registryKiB: number };
  compileMs: number;
}

const p95 = (values: number[]): number => percentile(values, 95);

/** Bytes of every file under `dir`. */
async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) total += await folderBytes(full);
    else total += (await stat(full).catch(() => ({ size: 0 }))).size;
  }
  return total;
}

export async function measureScale(repo: string, root: string, sizes: ScaleSizes, log: (line: string) => void): Promise<ScaleFigures> {
  const socket = `instar-bench-scale-${process.pid}-${randomUUID().slice(0, 6)}`;
  const tmux = (...args: string[]) => run('tmux', ['-L', socket, ...args], { maxBuffer: 256 * 1024 * 1024 });
  const agent = await writeSleepingClaude(join(root, 'scale-bin'));
  const cwd = join(root, 'scale-work');
  await mkdir(cwd, { recursive: true });
  const stateDir = join(root, 'scale-state');
  const events = join(stateDir, 'events');
  const storage = new MemoryStorage();
  const { ms: compileMs } = await compileBundles(repo);
  const heapBefore = heapBytes();
  const engine = await SessionEngine.create({ stateDir, storage, socket, agentCommand: agent, monitorIntervalMs: 0 });
  const points: ScalePoint[] = [];
  const watchDir = join(root, 'scale-watch');
  await mkdir(watchDir, { recursive: true });
  const start = async (registry: MemoryStorage) => {
    const second = await SessionEngine.create({ stateDir, storage: registry, socket, agentCommand: agent, monitorIntervalMs: 0 });
    second.list();
    second.dispose();
  };
  try {
    let spawned = 0;
    for (const count of sizes.counts) {
      log(`scale: ${count} sessions…`);
      const spawnTimes: number[] = [];
      const added: string[] = [];
      for (; spawned < count; spawned += 1) {
        const name = `scale-${spawned}`;
        spawnTimes.push(await time(() => engine.spawn({ name, prompt: '', cwd })));
        added.push(name);
      }
      await Promise.all(added.map((name) => writeEvent(events, engine.get(name)!.id, 'SessionStart')));
      const deadline = Date.now() + 120_000;
      while (!engine.list().every((record) => record.status === 'idle')) {
        if (Date.now() > deadline) throw new Error(`bench: ${count} sessions did not all turn idle`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await engine.refresh();
      const spawnBare: number[] = [];
      for (let i = 0; i < Math.min(20, Math.max(3, added.length)); i += 1) spawnBare.push(await time(() => tmux('new-session', '-d', '-s', `bare-${count}-${i}`, '-x', '200', '-y', '50', '--', agent)));
      for (let i = 0; i < spawnBare.length; i += 1) await tmux('kill-session', '-t', `=bare-${count}-${i}`);
      const { ours, bare } = await timeRefreshes(engine, tmux, sizes.refreshRuns);
      const startTimes: number[] = [];
      for (let i = 0; i < sizes.starts; i += 1) startTimes.push(await time(() => start(storage)));
      const target = engine.get('scale-0')!;
      const latencies: number[] = [];
      const waits: number[] = [];
      const watches: number[] = [];
      // Every other session waited on too (for a state that does not come), as agents waiting on siblings do.
      const others = new AbortController();
      setMaxListeners(0, others.signal); // One listener per pending wait, by design.
      for (const record of engine.list()) if (record.name !== target.name) void engine.waitFor(record.name, (latest) => latest?.status === 'waiting', 10 * 60_000, others.signal);
      for (let i = 0; i < sizes.events; i += 1) {
        latencies.push(await eventLatency(engine, events, target.id, target.name, 'UserPromptSubmit', 'running'));
        waits.push(await waitLatency(engine, events, target.id, target.name, 'Stop', 'idle'));
        watches.push(await bareWatchLatency(watchDir));
      }
      others.abort();
      const server = Number((await tmux('display-message', '-p', '#{pid}')).stdout.trim());
      const cpuBare = await cpuPercent(server, sizes.cpuSeconds);
      engine.setMonitorInterval(1000);
      const cpuOurs = await cpuPercent(server, sizes.cpuSeconds);
      engine.setMonitorInterval(0);
      points.push({
        count,
        spawnMs: median(spawnTimes.slice(-20)),
        spawnBare: median(spawnBare),
        refreshOurs: median(ours),
        refreshBare: median(bare),
        startOurs: compileMs + median(startTimes),
        startBare: compileMs + median(bare),
        heapMiB: (heapBytes() - heapBefore) / (1024 * 1024),
        stateKiB: (await folderBytes(stateDir)) / 1024,
        eventP95: p95(latencies),
        waitP95: p95(waits),
        watchP95: p95(watches),
        cpuOurs,
        cpuBare,
      });
    }

    // A long-lived workspace: the live sessions of the largest count and `ended` ended ones in the registry.
    log(`scale: a start with ${sizes.ended} ended sessions…`);
    const live = engine.list();
    const now = Date.now();
    const endedRecords: SessionRecord[] = Array.from({ length: sizes.ended }, (_, i) => {
      const name = `ended-${i}`;
      return {
        ...live[0],
        name,
        id: randomUUID(),
        status: 'completed',
        statusSince: now - (sizes.ended - i) * 60_000,
        statusSignal: 'exit',
        statusDetail: 'exit status 0',
        prompt: `Ended run ${i}: look into the failing test and say what broke`,
        promptBytes: 60,
        createdAt: now - (sizes.ended - i) * 60_000 - 30_000,
        endedAt: now - (sizes.ended - i) * 60_000,
        exitCode: 0,
        tmuxSession: `bench-0000/${name}`,
        paneId: undefined,
        panePid: undefined,
      } satisfies SessionRecord;
    });
    const withEnded = new MemoryStorage();
    await withEnded.update(REGISTRY_KEY, { version: 1, sessions: [...live, ...endedRecords] });
    const heapBeforeEnded = heapBytes();
    const ours: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < sizes.starts; i += 1) {
      bare.push(await time(() => start(storage)));
      ours.push(await time(() => start(withEnded)));
    }
    const held = await SessionEngine.create({ stateDir, storage: withEnded, socket, agentCommand: agent, monitorIntervalMs: 0 });
    const heapMiB = (heapBytes() - heapBeforeEnded) / (1024 * 1024);
    held.dispose();
    return {
      points,
      ended: { count: sizes.ended, live: live.length, startOurs: compileMs + median(ours), startBare: compileMs + median(bare), heapMiB, registryKiB: Buffer.byteLength(JSON.stringify(withEnded.get(REGISTRY_KEY))) / 1024 },
      compileMs,
    };
  } finally {
    engine.dispose();
    killServer(socket);
  }
}
