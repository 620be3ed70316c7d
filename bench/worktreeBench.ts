/**
 * A spawn in a git worktree of a large repository: `engine.spawn({ worktree: true })` until it
 * returns (the session up in tmux) against the bare minimum that reaches the same state, three
 * processes one after another (`git branch`, `git worktree add`, `tmux new-session`). Every
 * process the engine starts goes through its own runners, timed, so that a miss can be explained
 * call by call.
 */
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { SessionEngine } from '../src/core/sessions/sessionEngine';
import { CommandRunner, ExecaRunner, ProcessRunner, RunOptions, RunResult } from '../src/core/util/commandRunner';
import { delay } from '../src/core/util/delay';
import { writeHookEvent, writeQuietAgent } from '../test/support/quietAgent';
import { MemoryStorage } from '../test/support/storage';
import { cleanupSocket, privateSocket } from '../test/support/tmuxServer';
import { waitFor } from '../test/support/wait';

const run = promisify(execFile);

export interface WorktreeSizes {
  /** Files in the repository's one commit, in about √files folders. */
  files: number;
  /** Rounds of (ours, baseline), in alternating order. */
  rounds: number;
}

/** A process the engine started, as medians over the rounds. */
export interface CallTiming {
  /** The command with the session's name, paths and commits left out; "(2)" when it is the second of its kind. */
  label: string;
  /** Where a git call ran: the main tree or the new worktree. */
  where: 'repo' | 'worktree' | '';
  /** ms after the spawn (or the count) began that it started, and how long it ran. */
  startMs: number;
  ms: number;
}

export interface WorktreeFigures {
  /** ms until the session is up: engine.spawn, and the three bare processes one after another. */
  ours: number[];
  bare: number[];
  /** The baseline's three processes, ms each. */
  bareBranch: number[];
  bareAdd: number[];
  bareNewSession: number[];
  /** The processes of ours' spawns, in the order they started. */
  calls: CallTiming[];
  /** ms of a spawn during which a git process ran, and during which any process of the engine's ran. */
  gitWallMs: number[];
  processWallMs: number[];
  /** One spawn with `.env*` as set-up files (a `.env` in the main tree, copied), and its processes. */
  withSetupFiles: number;
  setupCalls: CallTiming[];
  /**
   * The change count a spawn sets off once its agent is idle, after spawn returned (so not in
   * `ours`): ms from its first git call's start to its last one's end, and its calls.
   */
  countMs: number[];
  countCalls: CallTiming[];
  /** The repository: folders, and files in each. */
  folders: number;
  perFolder: number;
}

interface Call {
  file: string;
  args: readonly string[];
  start: number;
  end: number;
}

/** Runs through `inner`, noting when each process started and ended. */
class TimingRunner implements CommandRunner {
  constructor(
    private readonly inner: CommandRunner,
    private readonly calls: Call[],
    private readonly running: { count: number },
  ) {}

  async run(file: string, args: readonly string[], options?: RunOptions): Promise<RunResult> {
    const call: Call = { file, args, start: performance.now(), end: Number.NaN };
    this.calls.push(call);
    this.running.count += 1;
    try {
      return await this.inner.run(file, args, options);
    } finally {
      call.end = performance.now();
      this.running.count -= 1;
    }
  }
}

export async function measureWorktreeSpawn(sizes: WorktreeSizes, log: (line: string) => void = () => undefined): Promise<WorktreeFigures> {
  // On a memory file system where there is one: on a slow disk the checkout of the files alone
  // (seconds here) would hide what the engine adds to it.
  const root = await realpath(await mkdtemp(join(await memoryFolder(), 'instar-worktreebench-')));
  const socket = privateSocket('worktreebench');
  const saved = { GIT_CONFIG_GLOBAL: process.env.GIT_CONFIG_GLOBAL, GIT_CONFIG_NOSYSTEM: process.env.GIT_CONFIG_NOSYSTEM };
  const calls: Call[] = [];
  const running = { count: 0 };
  let engine: SessionEngine | undefined;
  try {
    // No global or system git configuration, for the engine's git as for the bench's: the
    // repository's own only. Restored at the end.
    await writeFile(join(root, 'gitconfig'), '');
    process.env.GIT_CONFIG_GLOBAL = join(root, 'gitconfig');
    process.env.GIT_CONFIG_NOSYSTEM = '1';
    const git = (cwd: string, ...args: string[]) => run('git', ['-C', cwd, ...args], { maxBuffer: 64 * 1024 * 1024 });
    const tmux = (...args: string[]) => run('tmux', ['-L', socket, ...args]);

    log(`worktree spawn: a repository of ${sizes.files} files…`);
    const repo = join(root, 'repo');
    const { folders, perFolder } = await makeRepository(repo, sizes.files, git);
    const agent = await writeQuietAgent(join(root, 'bin'));
    const worktreeRoot = join(root, 'worktrees');
    engine = await SessionEngine.create({
      stateDir: join(root, 'state'),
      storage: new MemoryStorage(),
      socket,
      agentCommand: agent,
      monitorIntervalMs: 0,
      worktreeRoot,
      // The engine's own runners (execFile for tmux, execa for git and the rest), timed.
      runner: new TimingRunner(new ProcessRunner(), calls, running),
      toolRunner: new TimingRunner(new ExecaRunner(), calls, running),
    });
    const live = engine;
    /** No process of the engine's under way for 100 ms: what the last step set off is over. */
    const quiet = () =>
      waitFor(
        'the engine to finish its processes',
        async () => {
          if (running.count > 0) return false;
          await delay(100);
          return running.count === 0;
        },
        60_000,
        10,
      );

    /** engine.spawn in a worktree until it returns; its processes are those started meanwhile. */
    const ours = async (name: string) => {
      const first = calls.length;
      const start = performance.now();
      const record = await live.spawn({ name, prompt: '', cwd: repo, worktree: true });
      const end = performance.now();
      if (record.worktree?.branch !== `instar/${name}` || record.cwd !== join(worktreeRoot, name)) {
        throw new Error(`bench: ${name} did not start in its worktree (${record.cwd} on ${record.worktree?.branch})`);
      }
      return { ms: end - start, start, end, calls: calls.slice(first), after: calls.length };
    };
    /**
     * Untimed: the change count after the agent's first tool call (its git calls; the bench plays
     * the agent's PostToolUse hook once it is idle), then the session, worktree and branch gone.
     */
    const afterOurs = async (name: string, after: number, end: number, keep = false): Promise<Call[]> => {
      await waitFor(`${name} idle`, () => live.get(name)?.status === 'idle', 60_000, 5);
      await quiet();
      await writeHookEvent(join(root, 'state', 'events'), live.get(name)!.id, { hook_event_name: 'PostToolUse', tool_name: 'Edit' });
      await waitFor(`${name}'s first change count`, () => live.get(name)?.worktreeChanges, 60_000, 5);
      await quiet();
      const count = calls.slice(after).filter((call) => call.start >= end && isGit(call));
      if (keep) return count;
      await live.kill(name);
      await quiet();
      await live.remove(name, { discardWorktree: true, force: true });
      await quiet();
      return count;
    };
    const bare = async (name: string) => {
      const dir = join(worktreeRoot, name);
      const steps: number[] = [];
      const step = async (work: () => Promise<unknown>) => {
        const at = performance.now();
        await work();
        steps.push(performance.now() - at);
      };
      const start = performance.now();
      await step(() => git(repo, 'branch', `instar/${name}`, 'HEAD'));
      await step(() => git(repo, 'worktree', 'add', dir, `instar/${name}`));
      await step(() => tmux('new-session', '-d', '-s', name, '-c', dir, '--', agent));
      return { ms: performance.now() - start, steps };
    };
    const removeBare = async (name: string) => {
      await tmux('kill-session', '-t', `=${name}`);
      await git(repo, 'worktree', 'remove', '--force', join(worktreeRoot, name));
      await git(repo, 'branch', '-D', `instar/${name}`);
    };

    const figures: WorktreeFigures = { ours: [], bare: [], bareBranch: [], bareAdd: [], bareNewSession: [], calls: [], gitWallMs: [], processWallMs: [], withSetupFiles: Number.NaN, setupCalls: [], countMs: [], countCalls: [], folders, perFolder };
    const spawnRounds: CallTiming[][] = [];
    const countRounds: CallTiming[][] = [];
    // One untimed round first: the tmux server starts, execa loads, the agent's version is asked
    // (once per engine), the tree is in the page cache.
    log('worktree spawn: warm-up…');
    const warm = await ours('wt-warm-ours');
    await afterOurs('wt-warm-ours', warm.after, warm.end);
    await bare('wt-warm-bare');
    await removeBare('wt-warm-bare');
    for (let round = 0; round < sizes.rounds; round += 1) {
      log(`worktree spawn: round ${round + 1} of ${sizes.rounds}…`);
      const sides = [
        async () => {
          const name = `wt-ours-${round}`;
          const spawned = await ours(name);
          figures.ours.push(spawned.ms);
          spawnRounds.push(spawned.calls.map((call) => timed(call, spawned.start, repo, root)));
          figures.gitWallMs.push(covered(spawned.calls.filter(isGit)));
          figures.processWallMs.push(covered(spawned.calls));
          const count = await afterOurs(name, spawned.after, spawned.end);
          if (count.length > 0) {
            const from = Math.min(...count.map((call) => call.start));
            figures.countMs.push(Math.max(...count.map((call) => call.end)) - from);
            countRounds.push(count.map((call) => timed(call, from, repo, root)));
          }
        },
        async () => {
          const name = `wt-bare-${round}`;
          const { ms, steps } = await bare(name);
          figures.bare.push(ms);
          figures.bareBranch.push(steps[0]);
          figures.bareAdd.push(steps[1]);
          figures.bareNewSession.push(steps[2]);
          await removeBare(name);
        },
      ];
      // Alternating order, so that neither side always runs on a warmer (or busier) machine.
      if (round % 2 === 1) sides.reverse();
      for (const side of sides) await side();
    }
    figures.calls = medianCalls(spawnRounds);
    figures.countCalls = medianCalls(countRounds);

    // Once with set-up files: `.env*` matched by one git call in the main tree, `.env` copied.
    log('worktree spawn: with set-up files…');
    live.configure({ worktreeSetup: { files: ['.env*'], mode: 'copy' } });
    const withEnv = await ours('wt-setup');
    const copied = live.get('wt-setup')?.worktree?.setupFiles ?? [];
    if (!copied.includes('.env')) throw new Error(`bench: the set-up files copied were ${JSON.stringify(copied)}, not .env`);
    figures.withSetupFiles = withEnv.ms;
    figures.setupCalls = withEnv.calls.map((call) => timed(call, withEnv.start, repo, root));
    await afterOurs('wt-setup', withEnv.after, withEnv.end, true);
    return figures;
  } finally {
    engine?.dispose();
    cleanupSocket(socket);
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    // The repository, the worktrees it registers, the agent and the engine's state are all in it.
    await rm(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
}

/**
 * `files` small files in about √files folders (100 of 100 for 10,000), a `.gitignore` of
 * `.env*` and an ignored `.env`, in one commit.
 */
async function makeRepository(repo: string, files: number, git: (cwd: string, ...args: string[]) => Promise<unknown>): Promise<{ folders: number; perFolder: number }> {
  const folders = Math.max(1, Math.round(Math.sqrt(files)));
  const perFolder = Math.ceil(files / folders);
  await mkdir(repo);
  for (let folder = 0; folder * perFolder < files; folder += 1) {
    const dir = join(repo, `d${folder}`);
    await mkdir(dir);
    const count = Math.min(perFolder, files - folder * perFolder);
    await Promise.all(Array.from({ length: count }, (_, i) => writeFile(join(dir, `f${i}.txt`), `file ${folder}/${i}\n`)));
  }
  await writeFile(join(repo, '.gitignore'), '.env*\n');
  await writeFile(join(repo, '.env'), 'BENCH_TOKEN=not-a-secret\n');
  // Files older than the index by more than a second: none is "racily clean", which would make
  // every git status read it again (a state a real repository is not in for long).
  await delay(1100);
  await git(repo, 'init', '-q', '-b', 'main');
  await git(repo, 'config', 'user.name', 'Instar Bench');
  await git(repo, 'config', 'user.email', 'bench@instar.invalid');
  await git(repo, 'add', '-A');
  await git(repo, 'commit', '-q', '-m', 'start');
  return { folders, perFolder };
}

const isGit = (call: Call): boolean => basename(call.file) === 'git';

/** A call as read in a table: what ran, where, and when relative to `from`. */
function timed(call: Call, from: number, repo: string, root: string): CallTiming {
  const general = (arg: string) =>
    arg
      .split(root)
      .join('<tmp>')
      .replace(/wt-(?:ours|bare|warm)-[a-z0-9]+|wt-setup/g, '<name>')
      .replace(/\b[0-9a-f]{40}\b/g, '<commit>');
  let label: string;
  let where: CallTiming['where'] = '';
  if (isGit(call)) {
    const [flag, cwd, ...rest] = call.args;
    where = flag === '-C' && cwd === repo ? 'repo' : 'worktree';
    label = `git ${(flag === '-C' ? rest : call.args).map(general).join(' ')}`;
  } else if (basename(call.file) === 'tmux') {
    // One call may chain commands with ";": named by the kinds it chains.
    const rest = call.args[0] === '-L' || call.args[0] === '-S' ? call.args.slice(2) : call.args;
    const commands = rest.filter((_, i) => i === 0 || rest[i - 1] === ';');
    const kinds = [...new Set(commands)];
    label = `tmux ${kinds.join(' + ')}${commands.length > 1 ? ` (${commands.length} commands in one call)` : ''}`;
  } else {
    label = `${basename(call.file)} ${call.args[0] ?? ''}`.trim();
  }
  if (label.length > 100) label = `${label.slice(0, 99)}…`;
  return { label, where, startMs: call.start - from, ms: call.end - call.start };
}

/** The rounds' calls matched by label (the second of a kind numbered), as medians, in the order they start. */
function medianCalls(rounds: CallTiming[][]): CallTiming[] {
  const byLabel = new Map<string, CallTiming[]>();
  for (const calls of rounds) {
    const seen = new Map<string, number>();
    for (const call of calls) {
      const key = `${call.label}\0${call.where}`;
      const n = (seen.get(key) ?? 0) + 1;
      seen.set(key, n);
      const label = n === 1 ? call.label : `${call.label} (${n})`;
      const list = byLabel.get(`${label}\0${call.where}`) ?? [];
      list.push({ ...call, label });
      byLabel.set(`${label}\0${call.where}`, list);
    }
  }
  return [...byLabel.values()]
    .map((list) => ({ label: list[0].label, where: list[0].where, startMs: middle(list.map((call) => call.startMs)), ms: middle(list.map((call) => call.ms)) }))
    .sort((a, b) => a.startMs - b.startMs);
}

const middle = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : sorted[Math.ceil(sorted.length / 2) - 1];
};

/** How long at least one of `calls` was running, in ms. */
function covered(calls: readonly Call[]): number {
  const spans = calls.map((call) => [call.start, call.end] as const).sort((a, b) => a[0] - b[0]);
  let total = 0;
  let reached = -Infinity;
  for (const [start, end] of spans) {
    total += Math.max(0, end - Math.max(start, reached));
    reached = Math.max(reached, end);
  }
  return total;
}

/** The figures as lines for a person: each call's start and length. */
export function describeCalls(calls: readonly CallTiming[]): string {
  return calls.map((call) => `+${call.startMs.toFixed(1)} ms ${call.ms.toFixed(1)} ms ${call.label}${call.where ? ` (in the ${call.where === 'repo' ? 'main tree' : 'worktree'})` : ''}`).join('\n');
}

/** /dev/shm when it is there and writable (Linux), else the temporary folder. */
export async function memoryFolder(): Promise<string> {
  try {
    await access('/dev/shm', constants.W_OK);
    return '/dev/shm';
  } catch {
    return tmpdir();
  }
}
