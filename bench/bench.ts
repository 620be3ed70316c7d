/**
 * The benchmark: each row compares the extension's cost with a baseline measured in the same
 * run (the physical limit, or what the obvious alternative does), so a noisy machine shifts
 * both sides alike. `runBench({ smoke: true })` runs every row with tiny sizes for the tests.
 */
import { ChildProcessWithoutNullStreams, execFile, execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MemoryStorage } from '../test/support/storage';
import { SessionEngine } from '../src/core/sessions/sessionEngine';
import type { SessionStatus } from '../src/core/model/sessionRecord';
import { TerminalBinding } from '../src/core/terminal/terminalBinding';
import { silentLogger } from '../src/core/util/host';
import { killServer } from '../test/support/tmuxServer';
import { measureLifecycle } from './lifecycleBench';
import { measureKind } from './kindsBench';
import { measureHookless, measureParallelSpawns } from './loadBench';
import { bareWatchLatency, compileBundles, eventLatency, heapBytes, median, percentile, time, timeRefreshes, writeEvent, writeSleepingClaude } from './measure';
import { measureNotify } from './notifyBench';
import { measureMcp } from './mcpBench';
import { measureSteering } from './steerBench';
import { measureUsage } from './usageBench';
import { measureWorktreeSpawn } from './worktreeBench';
import { measureScale, ScaleFigures } from './scaleBench';
import { measureKeeper } from './keeperBench';
import { measureWorkspaces } from './workspacesBench';
import { measureDoor } from './doorBench';
import { measureInVsCode } from './vscodeBench';
import { measureVsCodeScale, VsCodeScalePoint, VsCodeScaleSide } from './vscodeScaleBench';
import { openSoakWindow, soak, SoakResult } from '../test/e2e/soak';

const run = promisify(execFile);

export interface BenchOptions {
  smoke: boolean;
  /** Where dist/ is (extension.js and main.js), for their size and compile time. */
  repo: string;
  log?: (line: string) => void;
}

export interface Row {
  name: string;
  /** The extension's figure and the baseline's, in the unit given. */
  ours: number;
  baseline: number;
  unit: string;
  /** ours / baseline (or baseline / ours where higher is better), as the target reads. */
  ratio: number;
  target: string;
  met: boolean;
  detail: string;
}

export interface BenchResult {
  machine: { cpu: string; cores: number; memoryGiB: number; node: string; tmux: string; date: string };
  smoke: boolean;
  rows: Row[];
}

const round = (value: number, digits = 2): number => Number(value.toFixed(digits));

/** Past this a wait is stuck: the slowest, 50 MB through a terminal, takes seconds. */
const STALL_MS = 120_000;

/**
 * `work`, or an error naming `step` once it has taken STALL_MS. The timer also keeps Node
 * running while the bench waits on an event: the engine's hook watcher does not hold the
 * process open (a host must be free to exit), so without a handle of the bench's own Node can
 * run out of work between the bench's last write and the watcher reading it, and exit with
 * code 0 in the middle of a step (seen in the status latency step, about 1 run in 10).
 */
async function within<T>(step: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`bench: ${step} did not finish within ${STALL_MS / 1000} s`)), STALL_MS);
  });
  try {
    return await Promise.race([work, stalled]);
  } finally {
    clearTimeout(timer);
  }
}

/** Each part's sizes: full, or tiny for the smoke run. */
const sizesOf = (smoke: boolean) =>
  smoke
    ? { sessions: 5, refreshRuns: 3, probeRuns: 1, events: 10, outputBytes: 200_000, keystrokes: 5, spawns: 3, resumes: 1, idleSessions: 2, monitorSeconds: 2, parallelClaudes: 2, parallelRounds: 1, kinds: { rounds: 1, events: 6 }, steer: { events: 6, batch: 3, rounds: 1 }, mcp: { rounds: 2, events: 6 }, usage: { events: 6, sessions: 3, transcriptBytes: 300_000, starts: 2 }, worktree: { files: 50, rounds: 3 }, keeper: { sessions: 3, cpuSeconds: 3, handovers: 2, firings: 1 }, workspaces: { sessions: 3, refreshRuns: 3, doorCalls: 40, doorCurls: 10 }, vscode: { sessions: 3, events: 6, cpuSeconds: 3, settleMs: 1000, reloads: 1 }, vscodeScale: { counts: [3, 6], reloads: 1, events: 4, picks: 2, settleMs: 500 }, scale: { counts: [2, 4, 8], ended: 50, refreshRuns: 3, starts: 2, events: 4, cpuSeconds: 1 }, soakMs: 60_000 }
    : { sessions: 100, refreshRuns: 30, probeRuns: 3, events: 200, outputBytes: 50_000_000, keystrokes: 200, spawns: 20, resumes: 5, idleSessions: 20, monitorSeconds: 60, parallelClaudes: 20, parallelRounds: 3, kinds: { rounds: 6, events: 100 }, steer: { events: 200, batch: 20, rounds: 3 }, mcp: { rounds: 20, events: 100 }, usage: { events: 200, sessions: 100, transcriptBytes: 10_000_000, starts: 21 }, worktree: { files: 10_000, rounds: 10 }, keeper: { sessions: 100, cpuSeconds: 60, handovers: 10, firings: 3 }, workspaces: { sessions: 100, refreshRuns: 30, doorCalls: 2000, doorCurls: 200 }, vscode: { sessions: 100, events: 100, cpuSeconds: 60, settleMs: 10_000, reloads: 5 }, vscodeScale: { counts: [10, 100, 1000], reloads: 3, events: 10, picks: 5, settleMs: 3000 }, scale: { counts: [10, 100, 1000], ended: 10_000, refreshRuns: 15, starts: 5, events: 40, cpuSeconds: 30 }, soakMs: 10 * 60_000 };

export async function runBench(options: BenchOptions): Promise<BenchResult> {
  const log = options.log ?? (() => undefined);
  const sizes = sizesOf(options.smoke);
  const root = await mkdtemp(join(tmpdir(), 'instar-bench-'));
  const socket = `instar-bench-${process.pid}-${randomUUID().slice(0, 6)}`;
  const tmux = (...args: string[]) => run('tmux', ['-L', socket, ...args], { maxBuffer: 64 * 1024 * 1024 });
  const rows: Row[] = [];
  // A stand-in agent named "claude" (so the engine treats it as Claude Code) that only sleeps:
  // the rows below measure the engine and tmux, not the agent.
  const agent = await writeSleepingClaude(join(root, 'bin'));
  const cwd = join(root, 'work');
  await mkdir(cwd);
  const stateDir = join(root, 'state');
  const storage = new MemoryStorage();
  const heapBefore = heapBytes();
  const engine = await SessionEngine.create({ stateDir, storage, socket, agentCommand: agent, monitorIntervalMs: 0 });
  try {
    // ---- 4. Spawn: until the session is up, vs a raw new-session.
    log('spawn…');
    const spawnOurs: number[] = [];
    const spawnRaw: number[] = [];
    for (let i = 0; i < sizes.spawns; i += 1) {
      spawnRaw.push(await time(() => tmux('new-session', '-d', '-s', `raw-${i}`, '-x', '200', '-y', '50', '--', agent)));
      spawnOurs.push(await time(() => engine.spawn({ name: `spawn-${i}`, prompt: '', cwd })));
    }
    rows.push(ratioRow('Spawn (until the session is up)', median(spawnOurs), median(spawnRaw), 'ms', 1.3, 'lower', `engine.spawn vs tmux new-session, median of ${sizes.spawns}`));

    // ---- 1. Refresh of N live sessions.
    log('sessions for refresh…');
    const names: string[] = [];
    /** Each one's tmux name, where the per-session probes go. */
    const tmuxNames: string[] = [];
    for (let i = 0; i < sizes.sessions; i += 1) {
      const spawned = await engine.spawn({ name: `live-${i}`, prompt: '', cwd });
      names.push(spawned.name);
      tmuxNames.push(spawned.tmuxSession);
    }
    // Every session idle through a real hook event file, as Claude Code would leave it.
    await Promise.all(engine.list().map((record) => writeEvent(join(stateDir, 'events'), record.id, 'SessionStart')));
    await waitUntil(() => engine.list().every((record) => record.status === 'idle'), 30_000);
    await engine.refresh();
    log('refresh…');
    const { ours: refreshOurs, bare: refreshBare } = await timeRefreshes(engine, tmux, sizes.refreshRuns);
    const probing: number[] = [];
    for (let i = 0; i < sizes.probeRuns; i += 1) {
      probing.push(
        await time(async () => {
          for (const name of tmuxNames) {
            await tmux('has-session', '-t', `=${name}`);
            await tmux('display-message', '-p', '-t', `=${name}:`, '#{pane_dead} #{pane_dead_status} #{pane_pid}');
            await tmux('capture-pane', '-p', '-t', `=${name}:`);
          }
        }),
      );
    }
    const ours = median(refreshOurs);
    rows.push(ratioRow(`Refresh of ${sizes.sessions} sessions vs bare list-panes`, ours, median(refreshBare), 'ms', 1.5, 'lower', `median of ${sizes.refreshRuns}; one tmux call per refresh`));
    rows.push(ratioRow(`Refresh of ${sizes.sessions} sessions vs per-session probing`, ours, median(probing), 'ms', 20, 'higher', `probing = has-session + display-message + capture-pane per session, median of ${sizes.probeRuns}`));

    // ---- 5 (part). Heap with N live sessions tracked.
    const heapGrowth = (heapBytes() - heapBefore) / (1024 * 1024);

    // ---- 2. Status latency: a hook event written → the engine's change event.
    log('status latency…');
    const target = engine.get(names[0])!;
    const latencies: number[] = [];
    for (let i = 0; i < sizes.events; i += 1) {
      const event = i % 2 === 0 ? 'UserPromptSubmit' : 'Stop';
      const expected: SessionStatus = i % 2 === 0 ? 'running' : 'idle';
      latencies.push(await within(`status latency (${event} ${i + 1} of ${sizes.events})`, eventLatency(engine, join(stateDir, 'events'), target.id, target.name, event, expected)));
    }
    const rawWatch: number[] = [];
    const watchDir = join(root, 'rawwatch');
    await mkdir(watchDir);
    for (let i = 0; i < Math.min(sizes.events, 50); i += 1) rawWatch.push(await bareWatchLatency(watchDir));
    rows.push(ratioRow('Status latency p50 (hook event → change event)', percentile(latencies, 50), percentile(rawWatch, 50), 'ms', 20, 'absolute', `${sizes.events} events; baseline: a bare fs.watch seeing a rename`));
    rows.push(ratioRow('Status latency p95', percentile(latencies, 95), percentile(rawWatch, 95), 'ms', 100, 'absolute', ''));

    // ---- A notification away from the editor: the change to "waiting" → a loopback webhook has it.
    log('notifications…');
    const told = await measureNotify({ engine, stateDir, target, waits: Math.max(5, sizes.events / 4) });
    rows.push(ratioRow('Notification p95 (change to waiting → webhook received)', percentile(told.ours, 95), percentile(told.bare, 95), 'ms', 20, 'added', `${told.ours.length} waits; baseline: a bare HTTP POST of the same body to the same server`));

    // ---- 3. Terminal throughput and keystroke round trip.
    log('terminal throughput…');
    const producer = `read x; yes 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' | head -c ${sizes.outputBytes}; echo; echo BENCH-DONE; exec sleep 100000`;
    await tmux('new-session', '-d', '-s', 'flood-binding', '-x', '200', '-y', '50', '--', 'sh', '-c', producer);
    await tmux('new-session', '-d', '-s', 'flood-attach', '-x', '200', '-y', '50', '--', 'sh', '-c', producer);
    const bindingMs = await bindingThroughput(socket, 'flood-binding');
    const attachMs = await attachThroughput(socket, 'flood-attach', tmux);
    const mb = sizes.outputBytes / 1e6;
    rows.push(ratioRow(`Terminal throughput (${mb} MB)`, mb / (bindingMs / 1000), mb / (attachMs / 1000), 'MB/s', 0.8, 'higher-ratio', `the editor-terminal binding (pipe-pane output, control-mode input) vs tmux attach in a pty (script -qfc)`));

    log('keystrokes…');
    await tmux('new-session', '-d', '-s', 'echo-binding', '-x', '200', '-y', '50', '--', 'cat');
    await tmux('new-session', '-d', '-s', 'echo-attach', '-x', '200', '-y', '50', '--', 'cat');
    const keysOurs = await bindingKeystrokes(socket, 'echo-binding', sizes.keystrokes);
    const keysAttach = await attachKeystrokes(socket, 'echo-attach', sizes.keystrokes);
    rows.push(ratioRow('Keystroke round trip p50 (input → echo)', percentile(keysOurs, 50), percentile(keysAttach, 50), 'ms', 5, 'absolute', `${sizes.keystrokes} keys; baseline: tmux attach in a pty`));

    // ---- 5. Start with N sessions in the registry, bundle, heap.
    log('start…');
    const startOurs: number[] = [];
    for (let i = 0; i < Math.max(3, sizes.refreshRuns / 3); i += 1) {
      startOurs.push(
        await time(async () => {
          const second = await SessionEngine.create({ stateDir: join(root, `state-${i}`), storage, socket, agentCommand: agent, monitorIntervalMs: 0 });
          second.list();
          second.dispose();
        }),
      );
    }
    // What a start loads: the activation's file and, right after, the rest (dist/main.js).
    const { ms: compileMs, kib: bundleKiB } = await compileBundles(options.repo);
    const startMs = median(startOurs) + compileMs;
    rows.push(ratioRow(`Start with ${sizes.sessions} sessions (bundle compile + engine start + reconcile)`, startMs, compileMs + median(refreshBare), 'ms', 1.5, 'lower', `bundles (dist/extension.js and dist/main.js) ${round(bundleKiB, 0)} KiB compiled in ${round(compileMs, 1)} ms; baseline: the same compile and one bare list-panes (${round(median(refreshBare), 1)} ms), the least a start needs`));
    rows.push(ratioRow(`Heap growth with ${sizes.sessions} live sessions`, heapGrowth, 20, 'MiB', 20, 'absolute', 'after a forced GC where --expose-gc is given'));
  } finally {
    engine.dispose();
    killServer(socket);
    await rm(root, { recursive: true, force: true });
  }
  const quiet = await measureHookless(root, { sessions: sizes.sessions, refreshRuns: sizes.refreshRuns, monitorSeconds: sizes.monitorSeconds }, log);
  rows.push(ratioRow(`Refresh of ${sizes.sessions} quiet sessions without hooks vs bare list-panes`, median(quiet.refreshOurs), median(quiet.refreshBare), 'ms', 1.5, 'lower', `median of ${sizes.refreshRuns}; a screen is read only where its pane printed since the last read`));
  rows.push(
    ratioRow(
      `Monitor CPU with ${sizes.sessions} live sessions (half without hooks), ${sizes.monitorSeconds} s`,
      quiet.cpuOurs,
      quiet.cpuBaseline,
      '% of a core',
      1,
      'absolute',
      'this process and the tmux server together, the monitor at 1 s (stretched up to 4 s while all is quiet); baseline: the same sessions with the monitor off',
    ),
  );
  rows.push(...scaleRows(await measureScale(options.repo, root, sizes.scale, log)));
  const parallel = await measureParallelSpawns(options.repo, sizes.parallelClaudes, sizes.parallelRounds, log);
  rows.push(
    ratioRow(
      `${sizes.parallelClaudes} real claude sessions spawned at once (until every prompt reached the API)`,
      median(parallel.ours),
      median(parallel.bare),
      'ms',
      1.2,
      'lower',
      `engine.spawn (the monitor at 1 s) vs the same started by bare tmux new-session … claude (the pinned Claude Code, fake Messages API), median of ${sizes.parallelRounds} rounds in alternating order`,
    ),
  );
  for (const kind of ['codex', 'gemini'] as const) {
    const figures = await measureKind(options.repo, kind, sizes.kinds, log);
    const title = kind === 'codex' ? 'Codex' : 'Gemini CLI';
    rows.push(ratioRow(`Spawn → prompt at the API, ${title}`, median(figures.spawnOurs), median(figures.spawnBare), 'ms', 1.2, 'lower', `engine.spawn vs the same CLI (pinned, fake API) by bare tmux new-session with its first-run questions kept away, no hooks; median of ${sizes.kinds.rounds} rounds in alternating order, each session ended once its prompt arrived, after a first start of each not counted (ours ${Math.round(figures.first.ours)} ms, bare ${Math.round(figures.first.bare)} ms)`));
    rows.push(ratioRow(`Hook event → change event p95, ${title} (its own event names)`, percentile(figures.events, 95), percentile(figures.watch, 95), 'ms', 5, 'added', `${sizes.kinds.events} events to a live session; baseline: a bare fs.watch seeing a rename`));
  }
  const life = await measureLifecycle(options.repo, { resumes: sizes.resumes, idleSessions: sizes.idleSessions }, log);
  rows.push(ratioRow('Resume (until the conversation is back, SessionStart seen)', median(life.resumeOurs), median(life.resumeBare), 'ms', 1.2, 'lower', `engine.resume vs bare claude --resume in tmux (the pinned Claude Code), median of ${sizes.resumes}`));
  rows.push(
    ratioRow(
      `Agent processes left by ${sizes.idleSessions} sessions one idle limit after their answers`,
      life.processesAfter,
      life.processesIdle,
      'processes',
      0,
      'absolute',
      `baseline: the same sessions idle, holding ${round(life.residentIdleMiB, 0)} MiB resident`,
    ),
  );
  const steer = await measureSteering(sizes.steer, log);
  const steerDetail = (figures: number[]) => `${sizes.steer.events} hook events alternating running and idle, a wait (since= the time it was asked) and one event-stream client per event, over HTTP on loopback; p50 ${round(percentile(figures, 50), 1)} ms vs ${round(percentile(steer.change, 50), 1)} ms; baseline: the engine's change event for the same event`;
  rows.push(ratioRow('State change → wait answered p95', percentile(steer.wait, 95), percentile(steer.change, 95), 'ms', 5, 'added', steerDetail(steer.wait)));
  rows.push(ratioRow('State change → event-stream client has it p95', percentile(steer.stream, 95), percentile(steer.change, 95), 'ms', 5, 'added', steerDetail(steer.stream)));
  rows.push(
    ratioRow(
      `Batch of ${sizes.steer.batch} spawns vs ${sizes.steer.batch} single spawn requests`,
      median(steer.batch),
      median(steer.sequential),
      'ms',
      1,
      'lower',
      `until every session is up, median of ${sizes.steer.rounds} rounds in alternating order; single requests one after another (as a script's loop sends them); sent all at once they took ${round(median(steer.parallel), 0)} ms (${round(median(steer.batch) / median(steer.parallel))}×)`,
    ),
  );
  const mcp = await measureMcp(options.repo, sizes.mcp, log);
  rows.push(
    ratioRow(
      'Spawn through the MCP tool vs through the instar command',
      median(mcp.spawnMcp),
      median(mcp.spawnCli),
      'ms',
      1.1,
      'lower',
      `until the call answered; the spawn tool of a running instar mcp (dist/cli.js mcp, over stdio, the SDK's client) vs instar spawn as an agent's shell runs it (a process each time), median of ${sizes.mcp.rounds} each in alternating order`,
    ),
  );
  rows.push(
    ratioRow(
      "Sibling's change → the MCP wait tool returns p95",
      percentile(mcp.wait, 95),
      percentile(mcp.stream, 95),
      'ms',
      5,
      'added',
      `${sizes.mcp.events} hook events alternating running and idle, a wait tool call (since= the time it was asked) per event; p50 ${round(percentile(mcp.wait, 50), 1)} ms vs ${round(percentile(mcp.stream, 50), 1)} ms; baseline: the API's event stream having the same change`,
    ),
  );
  const worktree = await measureWorktreeSpawn(sizes.worktree, log);
  rows.push(
    ratioRow(
      `Spawn in a worktree of a ${sizes.worktree.files.toLocaleString('en-US')}-file repository vs bare git worktree add + tmux new-session`,
      median(worktree.ours),
      median(worktree.bare),
      'ms',
      1.2,
      'lower',
      `engine.spawn({ worktree: true }) with the default worktree set-up (no set-up files, no set-up command) until it returns (the session up in tmux) vs git branch instar/<name> HEAD + git worktree add <dir> instar/<name> + tmux new-session -d -c <dir>, three processes one after another, the same quiet agent; a repository of ${worktree.folders} folders of ${worktree.perFolder} small files in one commit on a memory file system (/dev/shm: on this disk the checkout alone takes seconds), no global or system git configuration; median of ${sizes.worktree.rounds} rounds in alternating order after one warm-up each, fresh names each round (session, worktree and branch removed between rounds, untimed): ${round(median(worktree.ours), 1)} ms vs ${round(median(worktree.bare), 1)} ms (git worktree add alone ${round(median(worktree.bareAdd), 1)} ms); ours runs ${worktree.calls.filter((call) => call.label.startsWith('git ')).length} git processes, git ran during ${round(median(worktree.gitWallMs), 1)} ms of it, and its git worktree add started ${round(worktree.calls.find((call) => call.label.startsWith('git worktree add'))?.startMs ?? Number.NaN, 1)} ms after the spawn was asked (the baseline's after its git branch, ${round(median(worktree.bareBranch), 1)} ms); one spawn with worktreeSetup { files: ['.env*'], mode: 'copy' } and a .env to copy: ${round(worktree.withSetupFiles, 1)} ms; the change count after the agent's first tool call (not timed): ${round(median(worktree.countMs), 1)} ms`,
    ),
  );
  const kept = await measureKeeper(options.repo, sizes.keeper, log);
  const keptOf = `${sizes.keeper.sessions} quiet hooked sessions, ${sizes.keeper.cpuSeconds} s`;
  const againstWindow = `baseline: a window's engine host (the same core in a Node process of its own, as the extension host runs it: the monitor at 1 s, leading, its API on), keeping the same sessions before the keeper started`;
  rows.push(ratioRow(`Keeper CPU with ${keptOf}`, kept.cpuKeeper, kept.cpuWindow, '% of a core', 1, 'lower', `dist/keeper.js (instar keeper --workspace) leading, the window following; the process and the tmux clients it ran; ${againstWindow}`));
  rows.push(ratioRow(`Keeper resident memory with ${keptOf}`, kept.rssKeeperMiB, kept.rssWindowMiB, 'MiB', 80, 'absolute', `VmRSS at the end of the CPU row's time; ${againstWindow}`));
  const gapDetail = (figures: number[]) => `${figures.length} hand-overs, p50 ${round(percentile(figures, 50), 0)} ms, longest ${round(Math.max(...figures), 0)} ms; baseline: a process holding an abstract socket killed with SIGKILL until a client connected to it hears (p95 of ${kept.bareGap.length})`;
  rows.push(ratioRow('Hand-over gap p95, a leading window → the keeper that starts (until its API answers)', percentile(kept.toKeeper, 95), percentile(kept.bareGap, 95), 'ms', 1000, 'absolute', `from the window giving the lead up (asked with the workspace's lead secret) to the keeper's /health answering; ${gapDetail(kept.toKeeper)}`));
  rows.push(ratioRow('Hand-over gap p95, the keeper killed → a window (until its API answers)', percentile(kept.toWindow, 95), percentile(kept.bareGap, 95), 'ms', 1000, 'absolute', `from SIGKILL of the keeper to the window's /health answering (the window led after p95 ${round(percentile(kept.toWindowLead, 95), 0)} ms); ${gapDetail(kept.toWindow)}`));
  const lateDetail = (figures: number[]) => `a job on * * * * *, ${figures.length} runs over ${sizes.keeper.firings} minutes (each run killed 5 s after its minute: the quiet agent never takes its prompt), from the cron minute to the run's record made, p50 ${round(percentile(figures, 50), 0)} ms; baseline: a bare setTimeout aimed at the same minutes (p50 ${round(percentile(kept.lateTimer, 50), 1)} ms)`;
  rows.push(ratioRow('Job start lateness p95, the keeper with no window', percentile(kept.lateKeeper, 95), percentile(kept.lateTimer, 95), 'ms', 1000, 'absolute', lateDetail(kept.lateKeeper)));
  rows.push(ratioRow("Job start lateness p95, a window's engine host", percentile(kept.lateWindow, 95), percentile(kept.lateTimer, 95), 'ms', 1000, 'absolute', `another workspace at the same minutes; ${lateDetail(kept.lateWindow)}`));
  const shared = await measureWorkspaces(options.repo, sizes.workspaces, log);
  const ofThree = `3 workspaces of ${sizes.workspaces.sessions} quiet hooked sessions on one tmux server`;
  rows.push(
    ratioRow(
      `Refresh with ${ofThree}, one workspace's, vs one workspace of ${3 * sizes.workspaces.sessions}`,
      median(shared.oneOfThree),
      median(shared.oneRefresh),
      'ms',
      1.2,
      'lower',
      `one of the three engines' refresh (it lists the whole server, checks its own sessions and takes the others' published states) vs one engine of ${3 * sizes.workspaces.sessions} sessions on a server of its own; median of ${sizes.workspaces.refreshRuns} in alternating order; the three one after another (what the machine does when three windows check at once): ${round(median(shared.threeRefresh), 1)} ms, ${round(median(shared.threeRefresh) / median(shared.oneRefresh))}× (each window lists the whole server: tmux's listing is most of a refresh)`,
    ),
  );
  rows.push(ratioRow(`Keepers' resident memory, ${ofThree} (a keeper each)`, shared.threeKeepersMiB, shared.oneKeeperMiB, 'MiB', 3, 'lower', `VmRSS of the three dist/keeper.js together, 5 s after each started; baseline: one keeper of one workspace of ${3 * sizes.workspaces.sessions} sessions (the least a keeper per machine would hold)`));
  const door = await measureDoor({ sessions: sizes.workspaces.sessions, calls: sizes.workspaces.doorCalls, curlCalls: sizes.workspaces.doorCurls, log });
  rows.push(ratioRow('API call p95 through the shared port (4040), the workspace of the host that holds it, vs straight to its own port', door.sameHostDoorP95, door.sameHostDirectP95, 'ms', 1.1, 'lower', `GET /sessions on a kept-alive connection, the two taken in turn, ${door.sameHostCalls} calls each after a warm-up; the door hands the call to the API of its own process (no second connection); p50 ${round(door.sameHostDoorP50, 2)} ms vs ${round(door.sameHostDirectP50, 2)} ms`));
  rows.push(ratioRow(`API call p95 through the shared port (4040), a workspace of another host (${door.sessions} sessions), vs straight to its own port`, door.doorP95, door.directP95, 'ms', 1.1, 'lower', `GET /sessions on a kept-alive connection, the two taken in turn, ${door.calls} calls each after a warm-up; the door (in another engine host's process, as another window's) forwards it to the workspace's API on a kept-alive connection; p50 ${round(door.doorP50, 2)} ms vs ${round(door.directP50, 2)} ms`));
  rows.push(ratioRow(`The skill's curl p95 through the shared port (4040), a workspace of another host (${door.sessions} sessions), vs straight to its own port`, door.curlDoorP95, door.curlDirectP95, 'ms', 1.1, 'lower', `curl -H 'Authorization: Bearer …' http://localhost:<port>/sessions, a new process and connection per call as the skill and scripts make them, the two taken in turn, ${door.curlCalls} calls each after a warm-up; p50 ${round(door.curlDoorP50, 2)} ms vs ${round(door.curlDirectP50, 2)} ms`));
  const usage = await measureUsage(options.repo, sizes.usage, log);
  const usageMB = sizes.usage.transcriptBytes / 1e6;
  const latencyDetail = (what: string, figures: number[], watch: number[]) =>
    `${sizes.usage.events} ${what} for one of ${sizes.usage.sessions} live sessions (the quiet agent), each transcript ${usageMB} MB and in a folder of its own; p50 ${round(percentile(figures, 50), 1)} ms vs ${round(percentile(watch, 50), 1)} ms; baseline: a bare fs.watch on the same folder seeing the same write`;
  rows.push(ratioRow('Usage update latency p95 (answer appended to the transcript → change event with its tokens)', percentile(usage.transcript, 95), percentile(usage.transcriptWatch, 95), 'ms', 200, 'absolute', latencyDetail('assistant lines appended (one appendFile of a whole line each, as Claude Code writes them)', usage.transcript, usage.transcriptWatch)));
  rows.push(ratioRow('Usage update latency p95 (status line written → change event with its cost)', percentile(usage.statusLine, 95), percentile(usage.statusLineWatch, 95), 'ms', 200, 'absolute', latencyDetail('status line inputs written to <state>/usage/<id>.json (a temporary renamed into place, as the status line command does)', usage.statusLine, usage.statusLineWatch)));
  rows.push(
    ratioRow(
      `Usage's added cost at a start with ${sizes.usage.sessions} sessions of ${usageMB} MB transcripts`,
      median(usage.startWith),
      median(usage.startWithout),
      'ms',
      50,
      'added',
      `SessionEngine.create with ${sizes.usage.sessions} live sessions (the quiet agent), each with a status line and a transcript read by an earlier start (offsets and totals on the records: nothing new to read), median of ${sizes.usage.starts} starts per side in alternating order (median of the paired differences ${round(median(usage.startWith.map((ms, i) => ms - usage.startWithout[i])), 1)} ms); the usage tracker's own start alone (UsageTracker.start() on the same records and folder): ${round(median(usage.trackerWith), 1)} ms vs ${round(median(usage.trackerWithout), 1)} ms; baseline: the same start with the records' transcripts and usage left out and the usage folder empty; the first start, which read all ${round(usage.firstStartMB, 0)} MB, took ${round(usage.firstStartMs, 0)} ms`,
    ),
  );
  rows.push(
    ratioRow(
      `Host memory growth of a start with ${sizes.usage.sessions} sessions' usage`,
      // A growth this small can come out below nothing after the collections: none, then.
      Math.max(0, median(usage.memoryWith)),
      20,
      'MiB',
      20,
      'absolute',
      `heap and buffers held after the start, the engine still open, after full GCs, median of ${sizes.usage.starts}: ${round(median(usage.memoryWith), 2)} MiB, and ${round(median(usage.memoryWithout), 2)} MiB for the same start without usage; baseline: the limit, as for the heap row above. Most in use (heap and buffers) above the level before, sampled every ms: ${round(usage.peakWith.inUseMiB, 1)} MiB during one more such start vs ${round(usage.peakWithout.inUseMiB, 1)} MiB without usage, ${round(usage.firstStartPeak.inUseMiB, 1)} MiB during the first start (reading all)`,
    ),
  );
  const inside = await measureInVsCode(options.repo, sizes.vscode, log);
  const { activation: act, activationWithout: first, activationEmpty: empty } = inside;
  const parts = (times: typeof act) => `${times.loadCode} + ${times.callActivate} + ${times.finishActivate} ms (the require itself ${times.requireMs === undefined ? '?' : round(times.requireMs, 1)} ms)`;
  const activationDetail = `the extension host's activationTimes (Developer: Startup Performance), median of ${sizes.vscode.reloads} reloads (${inside.activationTotals.join(', ')} ms), activated by ${act.event}: load code + call activate + finish activate = ${parts(act)}; the rest of the extension (dist/main.js) loaded and wired ${act.loading?.loadedMs ?? '?'} ms after activation began (its require ${act.loading?.requireMs ?? '?'} ms); first load with no session known ${first.total} ms; baseline: an empty extension activated by the same event in the same hosts, ${parts(empty)} (VS Code times in whole ms: 0 counts as 1; its load code includes a turn of the host before the require)`;
  rows.push(ratioRow(`Activation in VS Code with ${sizes.vscode.sessions} known sessions`, act.total, Math.max(1, empty.total), 'ms', 1.1, 'lower', activationDetail));
  const repaintDetail = `${sizes.vscode.events} events alternating running and idle, 0.3 to 0.6 s apart, on the first of ${sizes.vscode.sessions} rows, until the frame that draws the row (its aria-label in the DOM: p50 ${round(percentile(inside.domChange, 50), 1)} ms, p95 ${round(percentile(inside.domChange, 95), 1)} ms); baseline: a bare fs.watch seeing a rename`;
  rows.push(ratioRow('Hook event → tree row repainted in VS Code p50', percentile(inside.repaint, 50), percentile(inside.bareWatch, 50), 'ms', 100, 'absolute', repaintDetail));
  rows.push(ratioRow('Hook event → tree row repainted in VS Code p95', percentile(inside.repaint, 95), percentile(inside.bareWatch, 95), 'ms', 100, 'absolute', ''));
  const cpuDetail = `the remote extension host process, its threads and the processes it ran (${round(inside.cpuLiveChildren)} % of it, tmux clients), ${sizes.vscode.settleMs / 1000} s after the load; baseline: the same window idle before any session (${round(inside.cpuIdleChildren)} % in processes it ran); VS Code's port finder off (remote.autoForwardPortsSource: output)`;
  rows.push(ratioRow(`Extension host CPU in VS Code with ${sizes.vscode.sessions} live quiet sessions, view visible, ${sizes.vscode.cpuSeconds} s`, inside.cpuLive, inside.cpuIdle, '% of a core', 1, 'absolute', cpuDetail));
  rows.push(...vscodeScaleRows(await measureVsCodeScale(options.repo, sizes.vscodeScale, log)));
  log(`The Sessions view through ${sizes.soakMs / 60_000} minutes of mixed use`);
  const window = await openSoakWindow(options.repo, log);
  let mixed: SoakResult;
  try {
    mixed = await soak(window, { durationMs: sizes.soakMs, seed: 31 });
  } finally {
    await window.dispose();
  }
  const quietRow = percentile(inside.domChange, 95);
  const soakDetail = `${sizes.soakMs / 60_000} minutes in code-server of spawns (palette and API, some in worktrees), follow-ups (palette, API, editor terminal), answers, kills, removes, a job every minute, flat/grouped switches, output documents and terminals; every row's state compared with the engine's every 250 ms (${mixed.samples} comparisons, ${mixed.disagreements.length} disagreements, p50 ${mixed.p50Ms} ms; over 1 s: ${Object.entries(mixed.slowKinds).map(([kind, count]) => `${kind} ×${count}`).join(', ') || 'none'}; rows the extension found stale and redrew: ${mixed.redrawnLines.length}); baseline: a row's repaint p95 with nothing else going on (the repaint rows above)`;
  rows.push(ratioRow('Sessions view vs engine during mixed use, longest disagreement', mixed.longestMs, Math.max(1, quietRow), 'ms', 1000, 'absolute', soakDetail));
  rows.push(ratioRow('Sessions view vs engine during mixed use, disagreement p95', mixed.p95Ms, Math.max(1, quietRow), 'ms', 1000, 'absolute', ''));
  return { machine: machine(), smoke: options.smoke, rows };
}

/**
 * A row: `lower` = ours/baseline ≤ target; `higher` = baseline/ours ≥ target; `higher-ratio` =
 * ours/baseline ≥ target; `absolute` = ours ≤ target; `added` = ours − baseline ≤ target.
 */
function ratioRow(name: string, ours: number, baseline: number, unit: string, target: number, kind: 'lower' | 'higher' | 'higher-ratio' | 'absolute' | 'added', detail: string): Row {
  const ratio = kind === 'higher' ? baseline / ours : ours / baseline;
  const met = kind === 'lower' ? ratio <= target : kind === 'absolute' ? ours <= target : kind === 'added' ? ours - baseline <= target : ratio >= target;
  const targetText = kind === 'lower' ? `≤ ${target}×` : kind === 'higher' ? `≥ ${target}× faster` : kind === 'higher-ratio' ? `≥ ${target}` : kind === 'added' ? `≤ +${target} ${unit}` : `≤ ${target} ${unit}`;
  return { name, ours: round(ours), baseline: round(baseline), unit, ratio: round(ratio), target: targetText, met, detail };
}

/** The machine a run measured, and when. */
function machine(): BenchResult['machine'] {
  const tmux = execFileSync('tmux', ['-V'], { encoding: 'utf8' }).trim();
  return { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memoryGiB: round(totalmem() / 2 ** 30, 0), node: process.version, tmux, date: new Date().toISOString() };
}

/**
 * The curve alone (`npm run bench -- --curve`): the scale rows and their VS Code side, the two
 * parts of the benchmark that take 1,000 sessions, at the full run's sizes (or the smoke's).
 */
export async function runCurve(options: BenchOptions): Promise<BenchResult> {
  const log = options.log ?? (() => undefined);
  const sizes = sizesOf(options.smoke);
  const root = await mkdtemp(join(tmpdir(), 'instar-bench-'));
  try {
    const rows = scaleRows(await measureScale(options.repo, root, sizes.scale, log));
    rows.push(...vscodeScaleRows(await measureVsCodeScale(options.repo, sizes.vscodeScale, log)));
    return { machine: machine(), smoke: options.smoke, rows };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/**
 * The curve's rows: at each count, refresh and start against the least they need, and the hook's
 * latency against a bare watch; then the growth from the middle count to the largest of each cost,
 * against the growth of its baseline (or of the count, where the baseline does not grow).
 */
function scaleRows(scale: ScaleFigures): Row[] {
  const rows: Row[] = [];
  const counts = scale.points.map((point) => point.count.toLocaleString('en-US'));
  const each = (pick: (point: ScaleFigures['points'][number]) => number, digits = 1) => scale.points.map((point, i) => `${counts[i]}: ${round(pick(point), digits)}`).join(', ');
  for (const point of scale.points) {
    const n = point.count.toLocaleString('en-US');
    rows.push(ratioRow(`Curve: refresh of ${n} sessions vs bare list-panes -a`, point.refreshOurs, point.refreshBare, 'ms', 1.5, 'lower', `quiet hooked sessions, all idle, one tmux server, median of the refreshes each beside a bare list-panes; spawn at this count ${round(point.spawnMs, 1)} ms vs bare tmux new-session ${round(point.spawnBare, 1)} ms`));
    rows.push(ratioRow(`Curve: start with ${n} sessions vs the bundles' load + one list-panes`, point.startOurs, point.startBare, 'ms', 1.5, 'lower', `compile of dist/extension.js and dist/main.js (${round(scale.compileMs, 1)} ms) + SessionEngine.create on the registry and state folder + its list (reconcile included), median; baseline: the compile + one bare list-panes -a of the same server`));
    rows.push(ratioRow(`Curve: hook event → change event p95 at ${n} sessions`, point.eventP95, point.watchP95, 'ms', 5, 'added', `UserPromptSubmit events on one of them (each followed by a Stop for the wait row); baseline: a bare fs.watch seeing a rename`));
    rows.push(ratioRow(`Curve: a wait answered p95 at ${n} sessions, every one waited on`, point.waitP95, point.eventP95, 'ms', 5, 'added', `Stop events on one of them, each until engine.waitFor (the API's wait route and the MCP wait tool) for idle answered, with a wait pending on each of the other ${point.count - 1} sessions; baseline: the change event of the same count's UserPromptSubmit events`));
  }
  const [middle, last] = scale.points.slice(-2);
  if (middle && last && middle.count !== last.count) {
    const span = `${middle.count.toLocaleString('en-US')} → ${last.count.toLocaleString('en-US')} sessions`;
    const countGrowth = last.count / middle.count;
    const grew = (pick: (point: ScaleFigures['points'][number]) => number) => pick(last) / Math.max(1e-9, pick(middle));
    rows.push(ratioRow(`Growth ${span}: refresh vs bare list-panes' growth`, grew((p) => p.refreshOurs), grew((p) => p.refreshBare), '×', 1.2, 'lower', `refresh ms at ${each((p) => p.refreshOurs)}; bare ${each((p) => p.refreshBare)}`));
    rows.push(ratioRow(`Growth ${span}: start vs the bare start's growth`, grew((p) => p.startOurs), grew((p) => p.startBare), '×', 1.2, 'lower', `start ms at ${each((p) => p.startOurs)}; bare ${each((p) => p.startBare)}`));
    rows.push(ratioRow(`Growth ${span}: spawn vs bare tmux new-session's growth`, grew((p) => p.spawnMs), grew((p) => p.spawnBare), '×', 1.2, 'lower', `spawn ms at ${each((p) => p.spawnMs)}; bare new-session ${each((p) => p.spawnBare)}`));
    rows.push(ratioRow(`Growth ${span}: heap vs the count's growth`, grew((p) => p.heapMiB), countGrowth, '×', 1, 'lower', `heap growth MiB at ${each((p) => p.heapMiB, 2)} (after a forced GC)`));
    rows.push(ratioRow(`Growth ${span}: state folder vs the count's growth`, grew((p) => p.stateKiB), countGrowth, '×', 1, 'lower', `state folder KiB at ${each((p) => p.stateKiB)}`));
    rows.push(ratioRow(`Growth ${span}: monitor CPU vs the count's growth`, grew((p) => p.cpuOurs), countGrowth, '×', 1, 'lower', `% of a core (this process and the tmux server, the monitor at 1 s, stretched while all is quiet) at ${each((p) => p.cpuOurs, 2)}; the monitor off: ${each((p) => p.cpuBare, 2)}`));
    rows.push(ratioRow(`Growth ${span}: a wait answered p95 vs the change event's growth`, grew((p) => p.waitP95), grew((p) => p.eventP95), '×', 1.5, 'lower', `p95 ms at ${each((p) => p.waitP95, 2)}; the change event ${each((p) => p.eventP95, 2)}`));
    rows.push(ratioRow(`Growth ${span}: hook event → change event p95 vs a bare watch's growth`, grew((p) => p.eventP95), grew((p) => p.watchP95), '×', 1.5, 'lower', `p95 ms at ${each((p) => p.eventP95, 2)}; bare watch ${each((p) => p.watchP95, 2)}`));
  }
  const { ended } = scale;
  rows.push(
    ratioRow(
      `Start with ${ended.live.toLocaleString('en-US')} live and ${ended.count.toLocaleString('en-US')} ended sessions vs without the ended`,
      ended.startOurs,
      ended.startBare,
      'ms',
      1.5,
      'lower',
      `the registry ${round(ended.registryKiB / 1024, 1)} MiB of JSON as workspace state holds it; the engine's heap with it ${round(ended.heapMiB, 1)} MiB more; the bundles' compile in both; instar.sessions.keepEnded (200) keeps a leading engine's registry from getting there`,
    ),
  );
  return rows;
}

/**
 * The curve's rows in VS Code: at each count, the Sessions view's first paint, a row's repaint and
 * Go to Session… against the same in a bare extension of as many rows or items; then each one's
 * growth from the middle count to the largest, which should be no more than the count's.
 */
function vscodeScaleRows(points: VsCodeScalePoint[]): Row[] {
  const rows: Row[] = [];
  const measures: { what: string; name: (n: string) => string; of: (side: VsCodeScaleSide) => number; detail: (point: VsCodeScalePoint) => string }[] = [
    {
      what: "the Sessions view's first paint",
      name: (n) => `Curve in VS Code: the Sessions view's first paint with ${n} sessions vs a bare tree of ${n} rows`,
      of: (side) => median(side.paint),
      detail: (point) =>
        `a reload with the Explorer shown and both extensions active, then a click on the view's activity bar tab until the frame that draws its first rows (${point.ours.paintRows} rows drawn of ${point.ours.paintSetSize}; the bare tree ${point.bare.paintRows} of ${point.bare.paintSetSize}), median of ${point.ours.paint.length} reloads in alternating order (${point.ours.paint.map((ms) => round(ms, 0)).join(', ')} ms vs ${point.bare.paint.map((ms) => round(ms, 0)).join(', ')} ms); baseline: the empty extension's tree view of plain items in a container of its own; the sessions spawned through POST /sessions/batch, 50 a request (${round(point.spawnMs / 1000, 1)} s until all were idle)`,
    },
    {
      what: "a row's repaint p50",
      name: (n) => `Curve in VS Code: a row's repaint p50 at ${n} sessions vs a bare tree's`,
      of: (side) => percentile(side.repaint, 50),
      detail: (point) =>
        `${point.ours.repaint.length} hook events alternating running and idle on the first row, 0.3 to 0.6 s apart, from the event file's rename to the frame that draws the row (p95 ${round(percentile(point.ours.repaint, 95), 1)} ms); baseline: an event file renamed into a folder the bare extension watches, which reads it and fires onDidChangeTreeData for that row alone (p95 ${round(percentile(point.bare.repaint, 95), 1)} ms)`,
    },
    {
      what: 'Go to Session…',
      name: (n) => `Curve in VS Code: Go to Session… with ${n} sessions vs a bare QuickPick of ${n} items`,
      of: (side) => median(side.pick),
      detail: (point) =>
        `from the keybinding's keydown (Ctrl+Alt+S) to the frame that draws the first items, the list holding ${point.ours.pickSetSize} (its aria-setsize), median of ${point.ours.pick.length} in alternating order (${point.ours.pick.map((ms) => round(ms, 0)).join(', ')} ms vs ${point.bare.pick.map((ms) => round(ms, 0)).join(', ')} ms); baseline: a QuickPick of ${point.bare.pickSetSize} items (an icon, a name and a description) by a command of the empty extension and its keybinding`,
    },
  ];
  for (const point of points) {
    const n = point.count.toLocaleString('en-US');
    for (const measure of measures) rows.push(ratioRow(measure.name(n), measure.of(point.ours), measure.of(point.bare), 'ms', 1.5, 'lower', measure.detail(point)));
  }
  const [middle, last] = points.slice(-2);
  if (middle && last && middle.count !== last.count) {
    const span = `${middle.count.toLocaleString('en-US')} → ${last.count.toLocaleString('en-US')} sessions`;
    const each = (of: (side: VsCodeScaleSide) => number) => points.map((point) => `${point.count.toLocaleString('en-US')}: ${round(of(point.ours), 1)} vs ${round(of(point.bare), 1)}`).join(', ');
    for (const measure of measures) {
      const grew = (side: 'ours' | 'bare') => measure.of(last[side]) / Math.max(1e-9, measure.of(middle[side]));
      rows.push(ratioRow(`Growth ${span} in VS Code: ${measure.what} vs the bare one's growth`, grew('ours'), grew('bare'), '×', last.count / middle.count, 'absolute', `ms (ours vs bare) at ${each(measure.of)}; the target: no more than the count's growth`));
    }
  }
  return rows;
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('bench: timed out waiting for a state');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function bindingThroughput(socket: string, session: string): Promise<number> {
  const binding = new TerminalBinding({ binary: 'tmux', socketArgs: ['-L', socket], session, cols: 200, rows: 50, bracketedPaste: false, logger: silentLogger });
  let tail = '';
  let started = 0;
  try {
    return await within(
      'terminal throughput (editor-terminal binding)',
      new Promise<number>((resolve, reject) => {
        binding.onData((text) => {
          tail = (tail + text).slice(-64);
          if (started && tail.includes('BENCH-DONE')) resolve(performance.now() - started);
        });
        // It ends only with its tmux session or server: fail at once rather than at STALL_MS.
        binding.onEnd((reason) => reject(new Error(`bench: the terminal binding ended before the output was through: ${reason}`)));
        binding.start().then(() => {
          started = performance.now();
          binding.input('\r');
        }, reject);
      }),
    );
  } finally {
    binding.close();
  }
}

/** `tmux attach` in a real pseudo-terminal (script), reading what a terminal would draw. */
function attachInPty(socket: string, session: string): ChildProcessWithoutNullStreams {
  return spawn('script', ['-qfc', `stty cols 200 rows 50; exec tmux -L ${socket} attach -t =${session}`, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, TERM: 'xterm-256color', TMUX: '' } });
}

async function attachThroughput(socket: string, session: string, tmux: (...args: string[]) => Promise<unknown>): Promise<number> {
  const child = attachInPty(socket, session);
  let tail = '';
  let started = 0;
  try {
    return await within(
      'terminal throughput (tmux attach)',
      new Promise<number>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          tail = (tail + chunk.toString('latin1')).slice(-4096);
          if (started && tail.includes('BENCH-DONE')) resolve(performance.now() - started);
        });
        // It ends only with its tmux session or server: fail at once rather than at STALL_MS.
        child.once('close', (code, signal) => reject(new Error(`bench: tmux attach ended (${signal ?? `exit status ${code}`}) before the output was through`)));
        waitForClient(socket, session)
          .then(() => {
            started = performance.now();
            return tmux('send-keys', '-t', `=${session}:`, 'Enter');
          })
          .catch(reject);
      }),
    );
  } finally {
    child.kill('SIGKILL');
  }
}

async function waitForClient(socket: string, session: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const { stdout } = await run('tmux', ['-L', socket, 'list-clients', '-t', `=${session}`]).catch(() => ({ stdout: '' }));
    if (stdout.trim()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('bench: tmux attach did not attach');
}

async function bindingKeystrokes(socket: string, session: string, count: number): Promise<number[]> {
  const binding = new TerminalBinding({ binary: 'tmux', socketArgs: ['-L', socket], session, cols: 200, rows: 50, bracketedPaste: false, logger: silentLogger });
  let waiter: ((text: string) => void) | undefined;
  binding.onData((text) => waiter?.(text));
  await binding.start();
  const samples = await measureKeys('keystroke round trip (editor-terminal binding)', count, (key) => binding.input(key), (listener) => (waiter = listener));
  binding.close();
  return samples;
}

async function attachKeystrokes(socket: string, session: string, count: number): Promise<number[]> {
  const child = attachInPty(socket, session);
  let waiter: ((text: string) => void) | undefined;
  child.stdout.on('data', (chunk: Buffer) => waiter?.(chunk.toString('latin1')));
  await waitForClient(socket, session);
  await new Promise((resolve) => setTimeout(resolve, 200));
  const samples = await measureKeys('keystroke round trip (tmux attach)', count, (key) => child.stdin.write(key), (listener) => (waiter = listener));
  child.kill('SIGKILL');
  return samples;
}

/** Types letters one at a time and times each until it is echoed. */
async function measureKeys(step: string, count: number, type: (key: string) => void, listen: (listener: (text: string) => void) => void): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i += 1) {
    // Letters that no escape sequence of a redraw contains, so a sample ends on its own echo.
    const key = 'xyzqwv'[i % 6];
    const echoed = new Promise<number>((resolve) => {
      const start = performance.now();
      listen((text) => {
        if (text.includes(key)) resolve(performance.now() - start);
      });
      type(key);
    });
    samples.push(await within(`${step}, key ${i + 1} of ${count}`, echoed));
    if (i % 50 === 49) type('\r');
  }
  return samples;
}

/** The results as a Markdown table, with the machine and the notes of each row. */
export function formatTable(result: BenchResult): string {
  const header = ['row', 'ours', 'baseline', 'ratio', 'target', 'met'];
  const lines = result.rows.map((row) => [row.name, `${row.ours} ${row.unit}`, `${row.baseline} ${row.unit}`, `${row.ratio}×`, row.target, row.met ? 'yes' : 'NO']);
  const widths = header.map((_, column) => Math.max(header[column].length, ...lines.map((line) => line[column].length)));
  const format = (cells: string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
  const machine = result.machine;
  return [
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.tmux}, ${machine.date}${result.smoke ? ' (smoke sizes)' : ''}`,
    '',
    format(header),
    `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`,
    ...lines.map(format),
    '',
    ...result.rows.filter((row) => row.detail).map((row) => `- ${row.name}: ${row.detail}`),
  ].join('\n');
}
