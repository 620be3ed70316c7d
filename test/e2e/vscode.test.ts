/**
 * The extension inside a real VS Code: code-server from npm, driven by headless Chromium
 * (VS Code itself cannot be downloaded on these machines; see test/e2e/codeServer.ts). The
 * agents are the real claude CLI against a fake Messages API on loopback, on a private tmux
 * socket. Three runs: the mocha suite in a trusted folder, the same mechanism in an untrusted
 * folder, and a UI test that clicks through the workbench and saves screenshots.
 */
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { ClaudeHome, makeClaudeHome } from '../support/claudeEnv';
import { claudesUnderTest } from '../support/claudeVersions';
import { REPO } from '../support/engineHarness';
import { FakeMessagesApi } from '../support/fakeMessagesApi';
import { initRepo } from '../support/gitRepo';
import { scriptedReply } from '../support/scriptedReplies';
import { cleanupSocket, privateSocket } from '../support/tmuxServer';
import { waitFor } from '../support/wait';
import { CodeServer, launchBrowser, runExtensionTests, Toolchain, toolchain } from './codeServer';
import { quickInput, runCommand, sessionRow, WORKBENCH_SETTINGS } from './workbench';

const TESTS_PATH = join(REPO, 'out', 'test', 'e2e', 'suite', 'index.js');
const SHOTS = join(REPO, 'test-results');
const log = (line: string) => console.log(line);

describe('inside a real VS Code (code-server)', () => {
  let tools: Toolchain;
  let api: FakeMessagesApi;
  let root: string;
  let browser: Browser;
  const homes: ClaudeHome[] = [];
  const sockets: string[] = [];
  const servers: CodeServer[] = [];

  /** A fresh workspace folder, Claude home, tmux socket and code-server. */
  async function start(label: string, trust: boolean, env: Record<string, string> = {}, extraSettings: Record<string, unknown> = {}) {
    const dir = join(root, label);
    const folder = join(dir, 'workspace');
    await mkdir(folder, { recursive: true });
    const home = await makeClaudeHome({ baseUrl: api.url, trustedDirs: [folder] });
    homes.push(home);
    const socket = privateSocket(`vs${label}`);
    sockets.push(socket);
    const server = await CodeServer.start({
      tools,
      root: dir,
      trust,
      log: () => undefined,
      env,
      settings: {
        'instar.agent.command': join(REPO, 'node_modules', '.bin', 'claude'),
        'instar.agent.environment': home.env,
        'instar.tmux.socket': socket,
        'instar.notifications': 'off',
        'instar.api.enabled': true,
        'instar.api.port': 0,
        // The window leads, as it does with the keeper off (its own tests: vscodeKeeper.test.ts).
        'instar.keeper.enabled': false,
        ...WORKBENCH_SETTINGS,
        ...extraSettings,
      },
    });
    servers.push(server);
    return { server, folder, socket };
  }

  before(async () => {
    tools = toolchain(REPO);
    api = await FakeMessagesApi.start(scriptedReply);
    root = await mkdtemp(join(tmpdir(), 'instar-e2e-'));
    await mkdir(SHOTS, { recursive: true });
    browser = await launchBrowser(tools);
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    for (const server of servers) server.stop();
    for (const socket of sockets) cleanupSocket(socket);
    for (const home of homes) await home.dispose();
    await api?.close();
    if (root) await rm(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  });

  it('runs the extension suite in a trusted workspace', async () => {
    // A first start, as a new user's: the walkthrough opens (the other runs keep their workbench quiet).
    const { server, folder } = await start('trusted', false, { INSTAR_E2E_MODE: 'trusted', INSTAR_E2E_CLAUDES: JSON.stringify(claudesUnderTest()) }, { 'workbench.welcomePage.walkthroughs.openOnInstall': true });
    // A git repository, for the sessions in worktrees of their own.
    initRepo(folder);
    const page = await browser.newPage();
    const started = performance.now();
    const code = await runExtensionTests(page, server, { repo: REPO, folder, testsPath: TESTS_PATH, log, timeoutMs: 10 * 60_000 });
    console.log(`extension suite: exit ${code} after ${Math.round(performance.now() - started)} ms`);
    await page.close();
    assert.equal(code, 0, 'the mocha suite inside VS Code passed');
  });

  it('refuses to spawn in an untrusted workspace', async () => {
    // The keeper on, and a job enabled: what would start it in a trusted workspace.
    const { server, folder } = await start('untrusted', true, { INSTAR_E2E_MODE: 'untrusted' }, { 'instar.keeper.enabled': true });
    await mkdir(join(folder, '.instar'), { recursive: true });
    await writeFile(join(folder, '.instar', 'jobs.json'), JSON.stringify([{ slug: 'tick', schedule: '* * * * *', prompt: 'Tick' }]));
    const page = await browser.newPage();
    const code = await runExtensionTests(page, server, { repo: REPO, folder, testsPath: TESTS_PATH, log, timeoutMs: 5 * 60_000 });
    await page.close();
    assert.equal(code, 0, 'the untrusted suite inside VS Code passed');
  });

  it('UI: spawn from the palette (one and in parallel), watch them turn idle, type a follow-up in an editor terminal, survive a reload', async () => {
    const { server, folder } = await start('ui', false);
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    try {
      // The extension under development, no test payload: the workbench as a person sees it.
      await page.goto(server.workbenchUrl(folder, [['extensionDevelopmentPath', server.remoteUri(REPO)], ['skipWelcome', 'true']]));
      await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
      const sessionsTab = page.locator('.activitybar [aria-label^="Instar Sessions"]').first();
      await sessionsTab.waitFor({ timeout: 60_000 });
      await sessionsTab.click();
      await page.getByText('No sessions yet').first().waitFor({ timeout: 30_000 });

      await runCommand(page, 'Instar Sessions: Spawn Session');
      await quickInput(page, /name/, null); // the suggested name
      await quickInput(page, /prompt/, 'Hello from the UI test');
      await quickInput(page, /model/, null); // sonnet, first
      const row = (state: string) => sessionRow(page, `session-1, ${state}`);
      await row('Idle').waitFor({ timeout: 90_000 });
      await page.screenshot({ path: join(SHOTS, 'sessions-view.png') });

      // Its cost comes from the transcript just after the turn ends: that redraw done, the row
      // stays as it is under the click (a row redrawn between press and release loses the click).
      await page.locator(`.monaco-list-row[aria-label^="session-1, Idle"][aria-label*="cost $"]`).waitFor({ timeout: 30_000 });
      const screen = page.locator('.editor-instance .xterm-rows, .terminal-wrapper .xterm-rows').first();
      // A click opens the session as an editor terminal; one that a redraw of the row took (its age
      // or cost changing under the pointer) opens nothing, and the row is clicked again.
      await waitFor('the session to open as an editor terminal', async () => {
        if ((await screen.count()) > 0) return true;
        await row('Idle').click();
        return screen.waitFor({ timeout: 5000 }).then(() => true, () => undefined);
      }, 60_000, 0);
      await waitFor('the terminal to show the conversation', async () => ((await screen.textContent()) ?? '').includes('Answer to: Hello from the UI test'), 60_000, 200);
      await page.locator('.xterm-helper-textarea').first().focus();
      await page.keyboard.type('A follow-up typed in the terminal');
      // Enter once the text is in the input box, so it submits rather than joins a paste.
      await waitFor('the typed text in the terminal', async () => ((await screen.textContent()) ?? '').includes('A follow-up typed in the terminal'), 30_000, 100);
      await page.keyboard.press('Enter');
      await waitFor('the follow-up at the API', () => api.userPrompts().includes('A follow-up typed in the terminal'), 60_000, 100);
      await waitFor('the answer in the terminal', async () => ((await screen.textContent()) ?? '').includes('Answer to: A follow-up typed'), 60_000, 200);
      await row('Idle').waitFor({ timeout: 60_000 });
      await page.screenshot({ path: join(SHOTS, 'editor-terminal.png') });

      await runCommand(page, 'Instar Sessions: Spawn Sessions in Parallel');
      await quickInput(page, /base name/, 'batch');
      await quickInput(page, /prompt 1/, 'First parallel task');
      await quickInput(page, /prompt 2/, 'Second parallel task');
      await quickInput(page, /prompt 3/, '');
      await quickInput(page, /model/, null);
      await sessionRow(page, 'batch-1, Idle').waitFor({ timeout: 90_000 });
      await sessionRow(page, 'batch-2, Idle').waitFor({ timeout: 90_000 });
      assert.ok(api.userPrompts().includes('First parallel task') && api.userPrompts().includes('Second parallel task'));

      // A reload restarts the window and its extension host: the registry (workspaceState) and
      // the tmux session survive it, and the session is found again, still idle.
      await page.reload();
      await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
      // Show the view through the palette: clicking its tab while the restored side bar opens would close it.
      await page.locator('.activitybar [aria-label^="Instar Sessions"]').first().waitFor({ timeout: 60_000 });
      await runCommand(page, 'View: Show Instar Sessions');
      await row('Idle').waitFor({ timeout: 60_000 });

      // The walkthrough, never opened in this profile before, has marked done what was really done
      // (a session spawned, a follow-up answered), and nothing else.
      await runCommand(page, 'Instar Sessions: Get Started');
      const step = (id: string) => page.locator(`button.getting-started-step[data-step-id$="#${id}"][aria-checked="true"]`);
      for (const id of ['environment', 'spawn', 'talk']) await step(id).first().waitFor({ timeout: 30_000 });
      assert.deepEqual(await Promise.all(['steer', 'job', 'worktree', 'keeper'].map((id) => step(id).count())), [0, 0, 0, 0], 'nothing else was done');
      await page.screenshot({ path: join(SHOTS, 'walkthrough.png') });
    } catch (error) {
      // What the page showed, for the one who reads the failure.
      await page.screenshot({ path: join(SHOTS, 'ui-failure.png') }).catch(() => undefined);
      console.log(`UI test failed; screenshot in test-results/ui-failure.png. Terminal text: ${JSON.stringify(((await page.locator('.xterm-rows').allTextContents().catch(() => [])).join('\n')).slice(-2000))}`);
      throw error;
    }
    await page.close();
  });

  it("UI: a chat tool asks before it spawns or kills: Cancel runs nothing, Yes spawns a session that opens beside; Kill asks too", async () => {
    // A second extension, installed in code-server's extensions folder, invokes a tool from the palette as a chat would.
    await cp(join(REPO, 'test', 'fixtures', 'chat-driver'), join(root, 'chat', 'extensions', 'instar-test.instar-chat-driver-0.0.1'), { recursive: true });
    const { server, folder } = await start('chat', false);
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const invoke = async (line: string) => {
      await runCommand(page, 'Instar Test: Invoke Chat Tool');
      await quickInput(page, /Invoke a chat tool/, line);
    };
    /** What the driver wrote of the tools' answers, once a line matches `expected`. */
    const answered = (expected: RegExp) =>
      waitFor(`a tool's answer ${expected}`, async () => ((await readFile(join(folder, 'chat-driver.log'), 'utf8').catch(() => '')).split('\n').some((line) => expected.test(line)) ? true : undefined), 30_000, 200);
    const confirm = async (question: RegExp, button: string) => {
      const dialog = page.locator('.monaco-dialog-box');
      await dialog.waitFor({ timeout: 30_000 });
      const text = (await dialog.textContent()) ?? '';
      assert.match(text, question);
      await dialog.getByRole('button', { name: button, exact: true }).click();
      await dialog.waitFor({ state: 'detached', timeout: 15_000 });
      return text;
    };
    try {
      await page.goto(server.workbenchUrl(folder, [['extensionDevelopmentPath', server.remoteUri(REPO)], ['skipWelcome', 'true']]));
      await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
      await runCommand(page, 'View: Show Instar Sessions');
      await page.getByText('No sessions yet').first().waitFor({ timeout: 60_000 });

      await invoke('instar_spawn {"name":"chat-no","prompt":"Never sent from the chat"}');
      const asked = await confirm(/Spawn chat-no\?/, 'Cancel');
      assert.match(asked, /Never sent from the chat/, 'the question quotes the prompt');
      await answered(/^instar_spawn failed: Canceled/);

      await invoke('instar_spawn {"name":"chat-one","prompt":"Hello from the chat UI","model":"haiku"}');
      await confirm(/Spawn chat-one\?/, 'Yes');
      await answered(/^instar_spawn answered: Spawned chat-one: starting · claude haiku/);
      await sessionRow(page, 'chat-one, Idle').waitFor({ timeout: 90_000 });
      await page.locator('.tabs-container .tab').filter({ hasText: 'chat-one' }).first().waitFor({ timeout: 30_000 });
      await page.screenshot({ path: join(SHOTS, 'chat-tools.png') });
      assert.ok(api.userPrompts().includes('Hello from the chat UI'));
      assert.ok(!api.userPrompts().some((prompt) => prompt.includes('Never sent from the chat')), 'the refused spawn reached no agent');
      assert.equal(await sessionRow(page, 'chat-no').count(), 0, 'and no row');

      await invoke('instar_kill {"name":"chat-one"}');
      await confirm(/Kill chat-one\?/, 'Yes');
      await answered(/^instar_kill answered: Killed chat-one\./);
      await sessionRow(page, 'chat-one, Killed').waitFor({ timeout: 60_000 });
    } catch (error) {
      await page.screenshot({ path: join(SHOTS, 'chat-failure.png') }).catch(() => undefined);
      console.log('Chat UI test failed; screenshot in test-results/chat-failure.png');
      throw error;
    }
    await page.close();
  });
});
