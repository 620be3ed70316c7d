/**
 * Codex and Gemini CLI as agent kinds: from a spawn to its prompt reaching the model API, against
 * the same CLI started by a bare `tmux new-session` (its first-run questions kept away the same
 * way, no hooks); and from each one's own hook event to the engine's change event, against a bare
 * fs.watch.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AgentKind } from '../src/core/model/sessionRecord';
import { startHarness } from '../test/support/engineHarness';
import { FakeGeminiApi } from '../test/support/fakeGeminiApi';
import { FakeResponsesApi } from '../test/support/fakeResponsesApi';
import { waitFor } from '../test/support/wait';
import { bareWatchLatency, eventLatency } from './measure';

export interface KindFigures {
  kind: AgentKind;
  /** ms from the spawn until its prompt reached the fake API, per round: engine.spawn, and bare tmux new-session. */
  spawnOurs: number[];
  spawnBare: number[];
  /** The first start of each (not in the rounds): ours and bare. */
  first: { ours: number; bare: number };
  /** ms from a hook event file of the CLI's own names to the change event; and a bare fs.watch's. */
  events: number[];
  watch: number[];
}

const OFFLINE = { HTTPS_PROXY: 'http://127.0.0.1:9', HTTP_PROXY: 'http://127.0.0.1:9', NO_PROXY: '127.0.0.1,localhost' };

/** The CLI, its environment and arguments against a fake API that notes when each prompt arrived. */
async function fakeFor(kind: 'codex' | 'gemini', home: string, arrived: Map<string, number>) {
  const note = (text: string) => {
    if (!arrived.has(text)) arrived.set(text, performance.now());
  };
  if (kind === 'codex') {
    const api = await FakeResponsesApi.start((request) => {
      if (!request.isSide) note(request.lastUserText);
      return { kind: 'text', text: 'ok' };
    });
    const args = ['-c', 'model_provider="fake"', '-c', `model_providers.fake={name="fake",base_url="${api.url}",env_key="OPENAI_API_KEY",wire_api="responses"}`];
    return { api, args, env: { HOME: home, OPENAI_API_KEY: 'sk-fake', ...OFFLINE }, model: 'gpt-6-sol', events: ['UserPromptSubmit', 'Stop'] };
  }
  await mkdir(join(home, '.gemini'), { recursive: true });
  await writeFile(join(home, '.gemini', 'settings.json'), JSON.stringify({ security: { auth: { selectedType: 'gemini-api-key' } } }));
  const api = await FakeGeminiApi.start((request) => {
    note(request.lastUserText);
    return { kind: 'text', text: 'ok' };
  });
  return { api, args: [] as string[], env: { HOME: home, GEMINI_API_KEY: 'fake', GOOGLE_GEMINI_BASE_URL: api.url, ...OFFLINE }, model: 'gemini-2.5-flash', events: ['BeforeAgent', 'AfterAgent'] };
}

export async function measureKind(repo: string, kind: 'codex' | 'gemini', sizes: { rounds: number; events: number }, log: (line: string) => void): Promise<KindFigures> {
  const cli = join(repo, 'node_modules', '.bin', kind);
  const arrived = new Map<string, number>();
  const h = await startHarness(`bench-${kind}`, { monitorIntervalMs: 1000 });
  const home = join(h.root, 'home');
  const cwd = join(h.root, 'project');
  await mkdir(home, { recursive: true });
  await mkdir(cwd, { recursive: true });
  const fake = await fakeFor(kind, home, arrived);
  h.engine.configure({ agentCommand: cli, agentArgs: fake.args, agentEnv: fake.env });
  const reached = (prompt: string, started: number) => waitFor(`${kind}: "${prompt}" at the API`, () => arrived.has(prompt), 120_000, 10).then(() => arrived.get(prompt)! - started);
  // What keeps its first-run questions away without hooks: the same per-session flags the engine gives, as a person would type them.
  const bareArgs = (prompt: string) =>
    kind === 'codex'
      ? [...fake.args, '-c', `projects."${cwd}".trust_level="trusted"`, '-c', 'check_for_update_on_startup=false', '-c', 'tui.screen_reader_detection_done=true', '-m', fake.model, '--dangerously-bypass-approvals-and-sandbox', '--', prompt]
      : ['-m', fake.model, '--skip-trust', '--approval-mode', 'yolo', `--prompt-interactive=${prompt}`];
  const env = Object.entries(fake.env).map(([key, value]) => `${key}=${value}`);
  try {
    const spawnOurs: number[] = [];
    const spawnBare: number[] = [];
    // Each side's session ends once its prompt arrived (but the first of ours, kept for the hook
    // rows), so that neither side starts beside more live CLIs than the other.
    const ours = async (round: number, into: number[]) => {
      const prompt = `Engine task ${round}`;
      const started = performance.now();
      await h.engine.spawn({ name: `${kind}-${round}`, prompt, model: fake.model, cwd });
      into.push(await reached(prompt, started));
      if (round !== 0) await h.engine.kill(`${kind}-${round}`);
    };
    const bare = async (round: number, into: number[]) => {
      const prompt = `Bare task ${round}`;
      const started = performance.now();
      execFileSync('tmux', ['-L', h.socket, 'new-session', '-d', '-s', `bare-${round}`, '-x', '200', '-y', '50', '-c', cwd, '--', 'env', '-u', 'TMUX', ...env, cli, ...bareArgs(prompt)]);
      into.push(await reached(prompt, started));
      execFileSync('tmux', ['-L', h.socket, 'kill-session', '-t', `=bare-${round}`]);
    };
    // One start of each, not counted: the disk cache warm for both, and ours past what the first
    // spawn per CLI binary does once (Codex: the trust of our hooks asked of `codex app-server`),
    // which is printed on its own.
    const first: number[] = [];
    log(`${kind}: a first start of each, not counted…`);
    await bare(-1, first);
    await ours(-1, first);
    log(`${kind}: first spawn ${Math.round(first[1])} ms, bare ${Math.round(first[0])} ms`);
    for (let round = 0; round < sizes.rounds; round += 1) {
      log(`${kind}: spawn round ${round + 1} of ${sizes.rounds}…`);
      // In alternating order: the first start of a CLI warms the disk cache for the next.
      if (round % 2 === 0) {
        await bare(round, spawnBare);
        await ours(round, spawnOurs);
      } else {
        await ours(round, spawnOurs);
        await bare(round, spawnBare);
      }
    }
    log(`${kind}: hook → change event…`);
    const target = h.engine.get(`${kind}-0`)!;
    await waitFor(`${kind}-0 idle`, () => h.engine.get(`${kind}-0`)?.status === 'idle', 120_000, 20);
    const events: number[] = [];
    for (let i = 0; i < sizes.events; i += 1) {
      const [event, expected] = i % 2 === 0 ? [fake.events[0], 'running' as const] : [fake.events[1], 'idle' as const];
      events.push(await eventLatency(h.engine, join(h.stateDir, 'events'), target.id, target.name, event, expected));
    }
    const watchDir = join(h.root, 'rawwatch');
    await mkdir(watchDir);
    const watch: number[] = [];
    for (let i = 0; i < Math.min(sizes.events, 50); i += 1) watch.push(await bareWatchLatency(watchDir));
    return { kind, spawnOurs, spawnBare, first: { ours: first[1], bare: first[0] }, events, watch };
  } finally {
    await h.dispose();
    await fake.api.close();
  }
}
