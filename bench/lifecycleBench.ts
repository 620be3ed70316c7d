/**
 * Benchmark rows of the session lifecycle, with the real Claude Code (the pinned one) against the
 * fake Messages API: resuming a conversation, and what sessions that end when idle give back.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hookSettings } from '../src/core/agent/hookSettings';
import { startClaudeRig } from '../test/support/claudeRig';
import { waitFor, waitForStatus } from '../test/support/wait';
import { residentKiB } from './measure';

export interface LifecycleFigures {
  /** ms until SessionStart of the resumed conversation: engine.resume, and bare `claude --resume` in tmux. */
  resumeOurs: number[];
  resumeBare: number[];
  /** Live processes (and their resident MiB) in the sessions' panes while idle, and one idle limit later. */
  processesIdle: number;
  processesAfter: number;
  residentIdleMiB: number;
}

/** The idle limit of the sessions measured for what they give back. */
const IDLE_LIMIT_MS = 3000;

/** The processes under a pane's wrapper (the agent) and their resident memory. */
function agentProcesses(panePid: number | undefined): { count: number; kib: number } {
  if (!panePid) return { count: 0, kib: 0 };
  let children: string[];
  try {
    children = execFileSync('pgrep', ['-P', String(panePid)], { encoding: 'utf8' }).split('\n').filter(Boolean);
  } catch {
    return { count: 0, kib: 0 };
  }
  let kib = 0;
  for (const pid of children) kib += residentKiB(Number(pid)) ?? 0;
  return { count: children.length, kib };
}

/** Waits until no claude runs the conversation (a tmux server whose argv carries the id is not one). */
async function conversationClosed(conversationId: string): Promise<void> {
  await waitFor(
    'the last run of the conversation to exit',
    () => {
      try {
        const lines = execFileSync('pgrep', ['-l', '-f', '--', conversationId], { encoding: 'utf8' }).split('\n');
        return lines.every((line) => line.trim() === '' || /^\d+\s+tmux/.test(line.trim()));
      } catch {
        return true; // pgrep exits 1 when nothing matches
      }
    },
    30_000,
    20,
  );
}

/** `repo` holds the pinned Claude Code in node_modules. */
export async function measureLifecycle(repo: string, sizes: { resumes: number; idleSessions: number }, log: (line: string) => void): Promise<LifecycleFigures> {
  const CLAUDE = join(repo, 'node_modules', '.bin', 'claude');
  const rig = await startClaudeRig('benchlife', CLAUDE, 250);
  const { h, cwd, home } = rig;
  try {
    log('resume…');
    await h.engine.spawn({ name: 'conversation', prompt: 'A conversation to resume', cwd, idleLimitMs: 0 });
    const first = (await waitForStatus(h.engine, 'conversation', 'idle', 90_000)).record;
    const claudeId = first.claudeSessionId!;
    // The bare baseline gets the same hooks, into a folder of its own, to see its SessionStart.
    const bareEvents = join(h.root, 'bare-events');
    await mkdir(bareEvents);
    const bareSettings = join(h.root, 'bare-settings.json');
    await writeFile(bareSettings, JSON.stringify(hookSettings(bareEvents)));
    const env = Object.entries(home.env).map(([key, value]) => `${key}=${value}`);
    const resumeOurs: number[] = [];
    const resumeBare: number[] = [];
    for (let i = 0; i < sizes.resumes; i += 1) {
      await h.engine.kill('conversation');
      // Both sides start once the last run's claude has exited (the engine would wait for it).
      await conversationClosed(claudeId);
      let started = performance.now();
      await h.engine.resume('conversation');
      await waitForStatus(h.engine, 'conversation', (record) => record.lastEvent !== undefined && record.runs === i + 2 && record.status === 'idle', 90_000);
      resumeOurs.push(performance.now() - started);
      await h.engine.kill('conversation');
      await conversationClosed(claudeId);
      const bare = `bare-${i}`;
      started = performance.now();
      execFileSync('tmux', ['-L', h.socket, 'new-session', '-d', '-s', bare, '-x', '200', '-y', '50', '-c', cwd, '--', 'env', '-u', 'TMUX', ...env, `INSTAR_SESSION_ID=${bare}`, CLAUDE, '--model', 'sonnet', '--resume', claudeId, '--settings', bareSettings, '--dangerously-skip-permissions']);
      await waitFor('the bare SessionStart', () => readdirSync(bareEvents).some((file) => file.startsWith(`${bare}.`) && readFileSync(join(bareEvents, file), 'utf8').includes('"SessionStart"')), 90_000, 5);
      resumeBare.push(performance.now() - started);
      execFileSync('tmux', ['-L', h.socket, 'kill-session', '-t', `=${bare}`]);
      await conversationClosed(claudeId);
    }

    log('sessions that end when idle…');
    const names = Array.from({ length: sizes.idleSessions }, (_, i) => `idle-${i}`);
    await Promise.all(names.map((name) => h.engine.spawn({ name, prompt: `Task ${name}`, cwd, idleLimitMs: IDLE_LIMIT_MS })));
    // Each is measured as soon as it is idle after its answer (it ends IDLE_LIMIT_MS later).
    const idle = await Promise.all(names.map(async (name) => agentProcesses((await waitForStatus(h.engine, name, 'idle', 180_000)).record.panePid)));
    const ended = await Promise.all(names.map(async (name) => (await waitForStatus(h.engine, name, 'completed', 180_000)).record));
    return {
      resumeOurs,
      resumeBare,
      processesIdle: idle.reduce((sum, entry) => sum + entry.count, 0),
      processesAfter: ended.reduce((sum, record) => sum + agentProcesses(record.panePid).count, 0),
      residentIdleMiB: idle.reduce((sum, entry) => sum + entry.kib, 0) / 1024,
    };
  } finally {
    await rig.dispose();
  }
}
