/**
 * Benchmark rows of several projects open at once on one tmux server:
 * - the refresh of three workspaces of N quiet hooked sessions each (each engine lists the whole
 *   server, its own sessions and the others' published states), all three one after another as
 *   the machine does them at a monitor tick, against one workspace of 3N sessions on a server of
 *   its own;
 * - the resident memory of the three workspaces' keepers (dist/keeper.js, one per workspace),
 *   against one keeper keeping 3N sessions of one workspace (what a keeper per machine would at
 *   least hold).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findWorkspace } from '../src/core/lead/workspaceDirectory';
import { SessionEngine } from '../src/core/sessions/sessionEngine';
import { MemoryStorage } from '../test/support/storage';
import { writeQuietAgent } from '../test/support/quietAgent';
import { killServer } from '../test/support/tmuxServer';
import { waitFor } from '../test/support/wait';
import { residentKiB, time } from './measure';

export interface WorkspacesSizes {
  /** Sessions per workspace (three workspaces). */
  sessions: number;
  refreshRuns: number;
}

export interface WorkspacesFigures {
  /** ms: the three engines' refreshes one after another; one engine of 3N sessions. */
  threeRefresh: number[];
  oneRefresh: number[];
  /** ms: one of the three engines' refresh alone. */
  oneOfThree: number[];
  /** MiB: the three keepers' resident memory together; one keeper of 3N sessions. */
  threeKeepersMiB: number;
  oneKeeperMiB: number;
}

const WORKSPACES = 3;

export async function measureWorkspaces(repo: string, sizes: WorkspacesSizes, log: (line: string) => void): Promise<WorkspacesFigures> {
  const root = join(tmpdir(), `instar-bench-workspaces-${process.pid}-${randomUUID().slice(0, 6)}`);
  const shared = `instar-bench-ws-${process.pid}-${randomUUID().slice(0, 6)}`;
  const alone = `${shared}-alone`;
  const agent = await writeQuietAgent(join(root, 'bin'));
  const engines: SessionEngine[] = [];
  const keepers: ChildProcess[] = [];
  const stateHome = join(root, 'state-home');
  try {
    const folder = async (name: string, socket: string) => {
      const dir = join(root, name);
      await mkdir(join(dir, '.vscode'), { recursive: true });
      await writeFile(join(dir, '.vscode', 'settings.json'), JSON.stringify({ 'instar.tmux.socket': socket, 'instar.agent.command': agent, 'instar.api.enabled': false, 'instar.sessions.maxLive': 0 }));
      return dir;
    };
    const open = async (dir: string, socket: string) => {
      const { stateDir, workspaceKey } = await findWorkspace(dir, join(stateHome, 'instar-sessions'));
      const engine = await SessionEngine.create({ stateDir, workspaceKey, workspaceLabel: dir.split('/').pop(), storage: new MemoryStorage(), socket, agentCommand: agent, monitorIntervalMs: 0 });
      engines.push(engine);
      return engine;
    };
    const fill = async (engine: SessionEngine, cwd: string, count: number) => {
      for (let i = 0; i < count; i += 1) await engine.spawn({ name: `s-${i}`, prompt: '', cwd });
      await waitFor('the sessions idle', () => engine.list().every((record) => record.status === 'idle') || undefined, 120_000, 200);
    };

    log(`workspaces: ${WORKSPACES} workspaces of ${sizes.sessions} quiet sessions on one server, and one of ${WORKSPACES * sizes.sessions} on another…`);
    const dirs: string[] = [];
    const three: SessionEngine[] = [];
    for (let w = 0; w < WORKSPACES; w += 1) {
      const dir = await folder(`project-${w}`, shared);
      dirs.push(dir);
      const engine = await open(dir, shared);
      engine.publisher.setPublishing(true);
      await fill(engine, dir, sizes.sessions);
      three.push(engine);
    }
    const aloneDir = await folder('project-alone', alone);
    const one = await open(aloneDir, alone);
    one.publisher.setPublishing(true);
    await fill(one, aloneDir, WORKSPACES * sizes.sessions);
    for (const engine of [...three, one]) await engine.refresh();

    log('workspaces: refreshes…');
    const threeRefresh: number[] = [];
    const oneRefresh: number[] = [];
    const oneOfThree: number[] = [];
    for (let i = 0; i < sizes.refreshRuns; i += 1) {
      // Alternating order: neither side always runs on a warmer server.
      const both = [
        async () => threeRefresh.push(await time(async () => {
          for (const engine of three) await engine.refresh();
        })),
        async () => oneRefresh.push(await time(() => one.refresh())),
      ];
      for (const run of i % 2 === 0 ? both : both.reverse()) await run();
      oneOfThree.push(await time(() => three[0].refresh()));
    }
    if (three[0].others.list.length !== (WORKSPACES - 1) * sizes.sessions) throw new Error(`one workspace saw ${three[0].others.list.length} sessions of the others, not ${(WORKSPACES - 1) * sizes.sessions}`);
    for (const engine of engines.splice(0)) engine.dispose();

    log("workspaces: the keepers' memory…");
    const startKeeper = async (dir: string) => {
      const child = spawn(process.execPath, [join(repo, 'dist', 'keeper.js'), '--workspace', dir], { env: { ...process.env, XDG_STATE_HOME: stateHome }, stdio: 'ignore' });
      keepers.push(child);
      const { stateDir } = await findWorkspace(dir, join(stateHome, 'instar-sessions'));
      await waitFor('the keeper to run', async () => (JSON.parse(await readFile(join(stateDir, 'keeper.json'), 'utf8').catch(() => '{}')) as { pid?: number }).pid === child.pid || undefined, 60_000, 100);
      return child;
    };
    const settledRss = async (children: ChildProcess[]) => {
      // Its first checks done (every session's events read, its monitor at its period).
      await new Promise((resolve) => setTimeout(resolve, 5000));
      return children.reduce((sum, child) => sum + (residentKiB(child.pid!) ?? Number.NaN), 0) / 1024;
    };
    const threeKeepers = [];
    for (const dir of dirs) threeKeepers.push(await startKeeper(dir));
    const threeKeepersMiB = await settledRss(threeKeepers);
    const oneKeeperMiB = await settledRss([await startKeeper(aloneDir)]);
    return { threeRefresh, oneRefresh, oneOfThree, threeKeepersMiB, oneKeeperMiB };
  } finally {
    for (const engine of engines) engine.dispose();
    for (const keeper of keepers) if (keeper.exitCode === null && keeper.signalCode === null) keeper.kill('SIGKILL');
    killServer(shared);
    killServer(alone);
    await rm(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  }
}
