/**
 * A long, mixed use of the Sessions view in code-server, as a person's half hour goes: spawns
 * from the palette and the API (some in worktrees), follow-ups from the palette, the API and an
 * editor terminal, answers, kills, removes (worktrees kept or discarded), a job every minute
 * beside an invalid entry, flat/grouped switches, output documents and terminals opening and
 * closing. Every 250 ms each row of the view (its accessible label, as the page draws it) is
 * compared with the engine's state (the HTTP API): how long each disagreement lasted is the
 * result. Shared by the soak test and the benchmark.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { readInstarConfig } from '../../src/core/http/instarConfig';
import { STATUS_LOOKS } from '../../src/core/presentation/sessionPresentation';
import type { SessionStatus } from '../../src/core/model/sessionRecord';
import { ClaudeHome, makeClaudeHome } from '../support/claudeEnv';
import { FakeMessagesApi } from '../support/fakeMessagesApi';
import { initRepo } from '../support/gitRepo';
import { prng } from '../support/prng';
import { scriptedReply } from '../support/scriptedReplies';
import { cleanupSocket, privateSocket } from '../support/tmuxServer';
import { waitFor } from '../support/wait';
import { CodeServer, extensionLog, launchBrowser, toolchain } from './codeServer';
import { quickInputTitle, runCommand, WORKBENCH_SETTINGS } from './workbench';

export interface SoakContext {
  page: Page;
  /** The extension's HTTP API (from the workspace's .instar/config.json). */
  http(method: string, path: string, body?: unknown): Promise<Response>;
  /** The extension's log so far. */
  log(): Promise<string>;
  say(line: string): void;
}

export interface Disagreement {
  name: string;
  ms: number;
  /** The state in words: what the engine said, and what the row showed ('no row', 'no session'). */
  engine: string;
  drawn: string;
  /** Milliseconds from the soak's start. */
  at: number;
}

export interface SoakResult {
  samples: number;
  /** Samples that took over 1 s (the page or the API slow to answer). */
  slowSamples: number;
  disagreements: Disagreement[];
  longestMs: number;
  p50Ms: number;
  p95Ms: number;
  /** Disagreements over 1 s, by what the row showed and what it should have ("no row → Starting"). */
  slowKinds: Record<string, number>;
  actions: Record<string, { ok: number; failed: number }>;
  /** The lines the extension logged about rows it found stale and redrew. */
  redrawnLines: string[];
}

/** The accessible labels of the side bar's rows, as the page draws them (a string: the tests compile without the DOM's types). */
const ROW_LABELS = "[...document.querySelectorAll('.sidebar .monaco-list-row')].map((row) => row.getAttribute('aria-label') ?? '')";
const LABELS = Object.fromEntries(Object.entries(STATUS_LOOKS).map(([status, look]) => [status, look.label])) as Record<SessionStatus, string>;
const MAX_LIVE = 6;
const MAX_SESSIONS = 14;

interface ApiSession {
  name: string;
  status: SessionStatus;
  worktree?: unknown;
}

/** The window a soak runs in, and how to end it. */
export interface SoakWindow extends SoakContext {
  dispose(): Promise<void>;
}

/**
 * code-server on a git repository with a job every minute beside an invalid entry, the API on,
 * sessions that ask before tools and end a minute after going idle, the real pinned claude
 * against the fake Messages API, on a private tmux socket; the Sessions view shown in a page of
 * 1400×1100 (every row in view).
 */
export async function openSoakWindow(repo: string, say: (line: string) => void): Promise<SoakWindow> {
  const tools = toolchain(repo);
  const api = await FakeMessagesApi.start(scriptedReply);
  const root = await mkdtemp(join(tmpdir(), 'instar-soak-'));
  const folder = join(root, 'workspace');
  await mkdir(join(folder, '.instar'), { recursive: true });
  initRepo(folder);
  await writeFile(join(folder, '.instar', 'jobs.json'), JSON.stringify([{ slug: 'tick', schedule: '* * * * *', prompt: 'Job tick' }, { slug: 'broken', schedule: 'every minute', prompt: 'never' }]));
  const home: ClaudeHome = await makeClaudeHome({ baseUrl: api.url, trustedDirs: [folder, tmpdir()] });
  const socket = privateSocket('soak');
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  const dispose = async () => {
    await browser?.close().catch(() => undefined);
    server?.stop();
    cleanupSocket(socket);
    await home.dispose();
    await api.close();
    await rm(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  };
  try {
    const settings: Record<string, unknown> = {
      'instar.agent.command': join(repo, 'node_modules', '.bin', 'claude'),
      'instar.agent.environment': home.env,
      'instar.tmux.socket': socket,
      'instar.notifications': 'off',
      'instar.permissionMode': 'default',
      'instar.sessions.endWhenIdleMinutes': 1,
      'instar.api.enabled': true,
      // The window leads, as it does with the keeper off (its own tests: vscodeKeeper.test.ts).
      'instar.keeper.enabled': false,
      'instar.api.port': 0,
      ...WORKBENCH_SETTINGS,
      // Headless Chromium draws in software: spinning icons alone kept its renderer at 60 to 90 % of
      // a core, starving the rest of a 2-core machine (a desktop composites them on the GPU).
      'workbench.reduceMotion': 'on',
    };
    server = await CodeServer.start({ tools, root, trust: false, log: () => undefined, env: {}, settings });
    browser = await launchBrowser(tools);
    const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
    await page.goto(server.workbenchUrl(folder, [['extensionDevelopmentPath', server.remoteUri(repo)], ['skipWelcome', 'true']]));
    await page.locator('.activitybar [aria-label^="Instar Sessions"]').first().waitFor({ timeout: 60_000 });
    // Through the palette: a click on the tab while the side bar is being restored can close it again.
    await runCommand(page, 'View: Show Instar Sessions');
    // The Jobs group's row (the view is not empty: no welcome text).
    await page.locator('.sidebar .monaco-list-row[aria-label*="Jobs"], .sidebar .monaco-list-row[aria-label*="tick"]').first().waitFor({ timeout: 60_000 });
    await waitFor('the API', () => readInstarConfig(folder), 60_000, 200);
    const http = async (method: string, path: string, body?: unknown) => {
      const config = await readInstarConfig(folder);
      if (!config) throw new Error('no .instar/config.json');
      return fetch(`http://127.0.0.1:${config.port}${path}`, { method, headers: { authorization: `Bearer ${config.token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    };
    return { page, http, log: () => extensionLog(root), say, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}

/** Runs the mixed use for `durationMs`, sampling all along. */
export async function soak(ctx: SoakContext, options: { durationMs: number; seed: number }): Promise<SoakResult> {
  const { page } = ctx;
  const next = prng(options.seed);
  const random = { int: (n: number) => Math.floor(next() * n) };
  const started = Date.now();
  const actions: SoakResult['actions'] = {};
  const disagreements: Disagreement[] = [];
  const open = new Map<string, { since: number; engine: string; drawn: string }>();
  let samples = 0;
  let slowSamples = 0;
  let counter = 0;
  let stop = false;
  /** Every session name the engine has listed: a row of one of them is a session's row ("name, State, …"). */
  const known = new Set<string>();

  const sessions = async (): Promise<ApiSession[]> => (await (await ctx.http('GET', '/sessions')).json()) as ApiSession[];

  /** One comparison of every row with the engine. */
  async function sample(): Promise<void> {
    const before = Date.now();
    const [labels, list] = await Promise.all([
      page.evaluate(ROW_LABELS) as Promise<string[]>,
      sessions(),
    ]);
    const now = Date.now();
    samples += 1;
    if (now - before > 1000) slowSamples += 1;
    for (const session of list) known.add(session.name);
    const drawn = new Map<string, string>();
    for (const label of labels) {
      const [name, state] = label.split(', ');
      if (known.has(name) && state !== undefined) drawn.set(name, state);
    }
    const engine = new Map(list.map((session) => [session.name, LABELS[session.status]]));
    for (const name of new Set([...drawn.keys(), ...engine.keys()])) {
      const want = engine.get(name) ?? 'no session';
      const shown = drawn.get(name) ?? 'no row';
      const current = open.get(name);
      if (want !== shown) {
        if (!current) open.set(name, { since: before, engine: want, drawn: shown });
      } else if (current) {
        close(name, current, before);
      }
    }
    for (const [name, current] of open) if (!engine.has(name) && !drawn.has(name)) close(name, current, before);
  }

  function close(name: string, current: { since: number; engine: string; drawn: string }, at: number): void {
    open.delete(name);
    disagreements.push({ name, ms: at - current.since, engine: current.engine, drawn: current.drawn, at: current.since - started });
  }

  const sampler = (async () => {
    while (!stop) {
      const next = Date.now() + 250;
      await sample().catch((error: Error) => ctx.say(`soak: a sample failed: ${error.message}`));
      await page.waitForTimeout(Math.max(0, next - Date.now()));
    }
  })();

  /** Runs one action, counting how it went. */
  async function act(kind: string, body: () => Promise<void>): Promise<void> {
    const tally = (actions[kind] ??= { ok: 0, failed: 0 });
    try {
      await body();
      tally.ok += 1;
    } catch (error) {
      tally.failed += 1;
      ctx.say(`soak: ${kind} failed: ${(error as Error).message.split('\n')[0]}`);
      await page.keyboard.press('Escape').catch(() => undefined);
    }
  }

  /** Picks the session in a session picker, if one shows (a command with one session to act on asks nothing). */
  async function pickSession(name: string): Promise<void> {
    const input = page.locator('.quick-input-widget input');
    // The palette's own input closes as the command's picker opens: wait for the picker's placeholder.
    const deadline = Date.now() + 3000;
    for (;;) {
      const placeholder = (await input.getAttribute('placeholder', { timeout: 500 }).catch(() => null)) ?? '';
      if (/which session/i.test(placeholder) && (await input.isVisible())) break;
      if (Date.now() > deadline) return;
      await page.waitForTimeout(100);
    }
    await input.fill(name);
    await page.locator('.quick-input-list .monaco-list-row').filter({ hasText: name }).first().waitFor({ timeout: 5000 });
    await page.keyboard.press('Enter');
  }

  async function expectOk(response: Promise<Response>): Promise<void> {
    const answer = await response;
    if (!answer.ok) throw new Error(`${answer.status} ${await answer.text()}`);
  }

  const prompts = ['Hello from the soak', 'TAKE-YOUR-TIME with this', 'USE-A-TOOL please', 'EDIT-A-FILE please'];
  const openDocuments: string[] = [];
  let grouped = false;
  let lastSwitch = Date.now();

  while (Date.now() - started < options.durationMs) {
    const list = await sessions().catch(() => [] as ApiSession[]);
    const live = list.filter((session) => ['starting', 'running', 'idle', 'waiting'].includes(session.status));
    const ended = list.filter((session) => !live.includes(session));
    const choose = <T>(items: T[]): T | undefined => (items.length === 0 ? undefined : items[random.int(items.length)]);
    if (Date.now() - lastSwitch > 40_000) {
      lastSwitch = Date.now();
      grouped = !grouped;
      // The view's title buttons (the two commands are not in the palette).
      await act(grouped ? 'group by state' : 'flat list', () => page.locator(`.sidebar .action-label[aria-label^="${grouped ? 'Group by State' : 'Show as Flat List'}"]`).first().click({ timeout: 10_000 }));
      continue;
    }
    const roll = random.int(100);
    if (list.length >= MAX_SESSIONS || (roll < 12 && ended.length > 0)) {
      const target = choose(ended) ?? choose(live)!;
      const keep = random.int(3) === 0;
      await act(ended.includes(target) ? (keep ? 'remove (keep worktree)' : 'remove') : 'kill', () =>
        expectOk(ctx.http('DELETE', `/sessions/${target.name}${keep ? '' : '?worktree=discard&force=true'}`)),
      );
    } else if (roll < 32 && live.length < MAX_LIVE) {
      const name = `soak-${++counter}`;
      const prompt = `${choose(prompts)!} ${counter}`;
      if (random.int(2) === 0) {
        await act('spawn (API)', () => expectOk(ctx.http('POST', '/sessions/spawn', { name, prompt, worktree: random.int(3) === 0 })));
      } else {
        await act('spawn (palette)', async () => {
          await runCommand(page, 'Instar Sessions: Spawn Session');
          await waitFor('the spawn flow', async () => /Spawn Session/.test(await quickInputTitle(page)), 10_000, 100);
          // Each step by its title: name, prompt, model (and how it asks), where it runs.
          for (let step = 0; step < 8; step += 1) {
            const title = await quickInputTitle(page);
            if (!/Spawn Session/.test(title)) break;
            const input = page.locator('.quick-input-widget input');
            if (/name/i.test(title)) await input.fill(name);
            else if (/prompt/i.test(title)) await input.fill(prompt);
            await page.keyboard.press('Enter');
            await page.waitForTimeout(300);
          }
        });
      }
    } else if (roll < 47 && live.some((session) => session.status === 'idle')) {
      const target = choose(live.filter((session) => session.status === 'idle'))!;
      const how = random.int(3);
      const text = `Follow-up ${++counter}`;
      if (how === 0) await act('follow-up (API)', () => expectOk(ctx.http('POST', `/sessions/${target.name}/input`, { text })));
      else if (how === 1) {
        await act('follow-up (palette)', async () => {
          await runCommand(page, 'Instar Sessions: Send Input');
          await pickSession(target.name);
          const input = page.locator('.quick-input-widget input');
          await input.waitFor({ timeout: 5000 });
          await input.fill(text);
          await page.keyboard.press('Enter');
        });
      } else {
        await act('follow-up (terminal)', async () => {
          await runCommand(page, 'Instar Sessions: Open Session as Editor Terminal');
          await pickSession(target.name);
          await page.locator('.editor-instance .xterm-helper-textarea').first().waitFor({ timeout: 10_000 });
          await page.waitForTimeout(800);
          await page.locator('.editor-instance .xterm-helper-textarea').first().focus();
          await page.keyboard.type(text);
          await page.waitForTimeout(300);
          await page.keyboard.press('Enter');
          await page.waitForTimeout(1500);
          await runCommand(page, 'View: Close Editor');
        });
      }
    } else if (roll < 57 && live.some((session) => session.status === 'waiting')) {
      const target = choose(live.filter((session) => session.status === 'waiting'))!;
      await act('answer (API)', () => expectOk(ctx.http('POST', `/sessions/${target.name}/answer`, { option: random.int(2) === 0 ? 'Yes' : 'No' })));
    } else if (roll < 64 && live.length > 0) {
      const target = choose(live)!;
      await act('kill (API)', () => expectOk(ctx.http('DELETE', `/sessions/${target.name}`)));
    } else if (roll < 74 && list.length > 0) {
      const target = choose(list)!;
      await act('show output', async () => {
        await runCommand(page, 'Instar Sessions: Show Output');
        await pickSession(target.name);
        await page.locator('.tabs-container .tab.active').first().waitFor({ timeout: 10_000 });
        openDocuments.push(target.name);
      });
    } else if (roll < 82 && openDocuments.length > 0) {
      openDocuments.pop();
      await act('close editor', () => runCommand(page, 'View: Close Editor'));
    } else if (roll < 86) {
      await act('refresh', () => runCommand(page, 'Instar Sessions: Refresh'));
    }
    await page.waitForTimeout(1500 + random.int(2500));
  }
  stop = true;
  await sampler;
  for (const [name, current] of open) close(name, current, Date.now());

  const sorted = disagreements.map((d) => d.ms).sort((a, b) => a - b);
  const at = (q: number) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]);
  const slowKinds: Record<string, number> = {};
  for (const d of disagreements) if (d.ms > 1000) slowKinds[`${d.drawn} → ${d.engine}`] = (slowKinds[`${d.drawn} → ${d.engine}`] ?? 0) + 1;
  const log = await ctx.log().catch(() => '');
  return {
    samples,
    slowSamples,
    disagreements,
    longestMs: sorted[sorted.length - 1] ?? 0,
    p50Ms: at(0.5),
    p95Ms: at(0.95),
    slowKinds,
    actions,
    redrawnLines: log.split('\n').filter((line) => /redrawn|stale row/i.test(line)),
  };
}
