/**
 * The Sessions view over ten minutes of mixed use in code-server (see soak.ts): no row may
 * disagree with the engine for more than 3 s (a failure bound for a noisy 2-core machine; the
 * benchmark's target is 1 s). Prints the longest disagreement and the p95, and what the
 * extension logged of rows it found stale. INSTAR_SOAK_MS shortens it for a local try.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { readInstarConfig } from '../../src/core/http/instarConfig';
import { ClaudeHome, makeClaudeHome } from '../support/claudeEnv';
import { REPO } from '../support/engineHarness';
import { FakeMessagesApi } from '../support/fakeMessagesApi';
import { initRepo } from '../support/gitRepo';
import { scriptedReply } from '../support/scriptedReplies';
import { cleanupSocket, privateSocket } from '../support/tmuxServer';
import { waitFor } from '../support/wait';
import { CodeServer, launchBrowser, Toolchain, toolchain } from './codeServer';
import { soak } from './soak';
import { runCommand, WORKBENCH_SETTINGS } from './workbench';

const SOAK_MS = Number(process.env.INSTAR_SOAK_MS ?? 10.5 * 60_000);
const SHOTS = join(REPO, 'test-results');

/** Every file under `dir` whose name ends with `suffix`. */
async function findFiles(dir: string, suffix: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await findFiles(path, suffix)));
    else if (entry.name.endsWith(suffix)) found.push(path);
  }
  return found;
}

describe('the Sessions view through ten minutes of mixed use (code-server)', () => {
  let tools: Toolchain;
  let api: FakeMessagesApi;
  let root: string;
  let browser: Browser;
  let home: ClaudeHome;
  let socket: string;
  let server: CodeServer;
  let page: Page;
  let folder: string;

  before(async () => {
    tools = toolchain(REPO);
    api = await FakeMessagesApi.start(scriptedReply);
    root = await mkdtemp(join(tmpdir(), 'instar-soak-'));
    folder = join(root, 'workspace');
    await mkdir(join(folder, '.instar'), { recursive: true });
    await mkdir(SHOTS, { recursive: true });
    initRepo(folder);
    // A job every minute, beside an entry that is not valid.
    await writeFile(join(folder, '.instar', 'jobs.json'), JSON.stringify([{ slug: 'tick', schedule: '* * * * *', prompt: 'Job tick' }, { slug: 'broken', schedule: 'every minute', prompt: 'never' }]));
    home = await makeClaudeHome({ baseUrl: api.url, trustedDirs: [folder, tmpdir()] });
    socket = privateSocket('soak');
    const settings: Record<string, unknown> = {
      'instar.agent.command': join(REPO, 'node_modules', '.bin', 'claude'),
      'instar.agent.environment': home.env,
      'instar.tmux.socket': socket,
      'instar.notifications': 'off',
      'instar.permissionMode': 'default',
      'instar.sessions.endWhenIdleMinutes': 1,
      'instar.api.enabled': true,
      'instar.api.port': 0,
      ...WORKBENCH_SETTINGS,
    };
    server = await CodeServer.start({ tools, root, trust: false, log: () => undefined, env: {}, settings });
    browser = await launchBrowser(tools);
    page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
    await page.goto(server.workbenchUrl(folder, [['extensionDevelopmentPath', server.remoteUri(REPO)], ['skipWelcome', 'true']]));
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await page.locator('.activitybar [aria-label^="Instar Sessions"]').first().waitFor({ timeout: 60_000 });
    // Through the palette: a click on the tab while the side bar is being restored can close it again.
    await runCommand(page, 'View: Show Instar Sessions');
    // The Jobs group's row (the view is not empty: no welcome text).
    await page.locator('.sidebar .monaco-list-row[aria-label*="Jobs"], .sidebar .monaco-list-row[aria-label*="tick"]').first().waitFor({ timeout: 60_000 });
    await waitFor('the API', () => readInstarConfig(folder), 60_000, 200);
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    server?.stop();
    if (socket) cleanupSocket(socket);
    await home?.dispose();
    await api?.close();
    if (root) await rm(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  });

  it(`no row disagrees with the engine for more than 3 s (${Math.round(SOAK_MS / 60_000)} minutes, a comparison every 250 ms)`, { timeout: SOAK_MS + 10 * 60_000 }, async () => {
    const http = async (method: string, path: string, body?: unknown) => {
      const config = await readInstarConfig(folder);
      if (!config) throw new Error('no .instar/config.json');
      return fetch(`http://127.0.0.1:${config.port}${path}`, { method, headers: { authorization: `Bearer ${config.token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    };
    const log = async () => (await Promise.all((await findFiles(root, 'Instar Sessions.log')).map((file) => readFile(file, 'utf8')))).join('\n');
    const started = performance.now();
    const result = await soak({ page, http, log, say: (line) => console.log(line) }, { durationMs: SOAK_MS, seed: Number(process.env.INSTAR_SOAK_SEED ?? 31) });
    const worst = [...result.disagreements].sort((a, b) => b.ms - a.ms).slice(0, 5);
    console.log(
      [
        `soak: ${Math.round((performance.now() - started) / 1000)} s, ${result.samples} comparisons (${result.slowSamples} took over 1 s), ${result.disagreements.length} disagreements`,
        `longest ${result.longestMs} ms, p95 ${result.p95Ms} ms, p50 ${result.p50Ms} ms; over 1 s: ${Object.entries(result.slowKinds).map(([kind, count]) => `${kind} ×${count}`).join(', ') || 'none'}`,
        `worst: ${worst.map((d) => `${d.name} drawn "${d.drawn}" while "${d.engine}" for ${d.ms} ms at ${Math.round(d.at / 1000)} s`).join('; ') || 'none'}`,
        `actions: ${Object.entries(result.actions).map(([kind, { ok, failed }]) => `${kind} ${ok}${failed ? ` (+${failed} failed)` : ''}`).join(', ')}`,
        `rows the extension found stale and redrew: ${result.redrawnLines.length}${result.redrawnLines.length ? `\n  ${result.redrawnLines.slice(-10).join('\n  ')}` : ''}`,
      ].join('\n'),
    );
    await page.screenshot({ path: join(SHOTS, 'soak-end.png') }).catch(() => undefined);
    // The extension's log, for whoever reads a failure (the workspace goes with the test).
    await writeFile(join(SHOTS, 'soak-extension.log'), await log().catch(() => '')).catch(() => undefined);
    assert.ok(result.samples >= (SOAK_MS / 250) * 0.5, `the comparisons kept up: ${result.samples}`);
    for (const kind of ['spawn (API)', 'spawn (palette)', 'follow-up (API)', 'follow-up (palette)', 'follow-up (terminal)', 'remove', 'show output', 'group by state', 'flat list']) {
      assert.ok((result.actions[kind]?.ok ?? 0) > 0 || SOAK_MS < 5 * 60_000, `the mix had ${kind}: ${JSON.stringify(result.actions)}`);
    }
    assert.ok(result.longestMs <= 3000, `the longest disagreement lasted ${result.longestMs} ms: ${JSON.stringify(worst[0])}`);
  });
});
