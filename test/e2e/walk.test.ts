/**
 * A new user's walk through the UI, in code-server (a remote window) driven by headless
 * Chromium, asserting what the user sees in the page: the Remote settings tab when the agent is
 * missing, states in words, the quick switcher, the kill confirmation and the keyboard, tabs that
 * keep an ended session's last screen, the output tab of a removed session, one notification per
 * batch, the log, a conversation found by a search, and sessions in worktrees reviewed and merged.
 * Real claude against the fake Messages API, on a private tmux socket.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
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
import { CodeServer, extensionLog, launchBrowser, Toolchain, toolchain } from './codeServer';
import { quickInput, quickInputTitle, runCommand, sessionRow, WORKBENCH_SETTINGS } from './workbench';

const SHOTS = join(REPO, 'test-results');
const CLAUDE = join(REPO, 'node_modules', '.bin', 'claude');

describe("a new user's walk through the UI (code-server)", () => {
  let tools: Toolchain;
  let api: FakeMessagesApi;
  let root: string;
  let browser: Browser;
  let home: ClaudeHome;
  let socket: string;
  let server: CodeServer;
  let page: Page;
  let folder: string;

  /** The extension's log, as written so far. */
  const log = () => extensionLog(root);

  /** The HTTP API the extension serves, from .instar/config.json. */
  async function http(method: string, path: string, body?: unknown): Promise<Response> {
    const config = await readInstarConfig(folder);
    if (!config) throw new Error('the API has written no .instar/config.json');
    return fetch(`http://127.0.0.1:${config.port}${path}`, {
      method,
      headers: { authorization: `Bearer ${config.token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  const screen = () => page.locator('.editor-instance .xterm-rows >> visible=true').first();
  const screenText = async () => (await screen().textContent().catch(() => '')) ?? '';
  const rowText = async (labelStart: string) => (await sessionRow(page, labelStart).first().textContent().catch(() => '')) ?? '';
  const activeTab = () => page.locator('.tabs-container .tab.active').first();

  before(async () => {
    tools = toolchain(REPO);
    api = await FakeMessagesApi.start(scriptedReply);
    root = await mkdtemp(join(tmpdir(), 'instar-walk-'));
    folder = join(root, 'workspace');
    await mkdir(folder, { recursive: true });
    await mkdir(SHOTS, { recursive: true });
    home = await makeClaudeHome({ baseUrl: api.url, trustedDirs: [folder] });
    socket = privateSocket('walk');
    const settings: Record<string, unknown> = {
      'instar.agent.environment': home.env,
      'instar.tmux.socket': socket,
      'instar.notifications': 'all',
      // Tools ask first, so that a session can be waiting for the user.
      'instar.permissionMode': 'default',
      'instar.api.enabled': true,
      // The window leads, as it does with the keeper off (its own tests: vscodeKeeper.test.ts).
      'instar.keeper.enabled': false,
      'instar.api.port': 0,
      ...WORKBENCH_SETTINGS,
    };
    // As a new user starts: claude is not on the PATH of the remote host, and no setting says where it is.
    server = await CodeServer.start({ tools, root, trust: false, log: () => undefined, env: {}, settings });
    browser = await launchBrowser(tools);
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(server.workbenchUrl(folder, [['extensionDevelopmentPath', server.remoteUri(REPO)], ['skipWelcome', 'true']]));
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    const sessionsTab = page.locator('.activitybar [aria-label^="Instar Sessions"]').first();
    await sessionsTab.waitFor({ timeout: 60_000 });
    await sessionsTab.click();
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    server?.stop();
    if (socket) cleanupSocket(socket);
    await home?.dispose();
    await api?.close();
    if (root) await rm(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  });

  /** Spawn Sessions in Parallel from the palette, up to its model step (each step's title says the flow). */
  async function spawnInParallel(base: string, prompts: string[]): Promise<void> {
    await runCommand(page, 'Instar Sessions: Spawn Sessions in Parallel');
    await quickInput(page, /Spawn Sessions in Parallel: base name/, base);
    for (const [index, prompt] of [...prompts, ''].entries()) await quickInput(page, new RegExp(`Spawn Sessions in Parallel: prompt ${index + 1}`), prompt);
    await quickInput(page, /^Spawn Sessions in Parallel: model · asks before each tool$/, null);
  }

  /** Runs a step; on failure saves what the page showed. */
  async function step(name: string, body: () => Promise<void>): Promise<void> {
    const started = performance.now();
    try {
      await body();
    } catch (error) {
      const file = join(SHOTS, `walk-failure-${name.replace(/\W+/g, '-')}.png`);
      await page.screenshot({ path: file }).catch(() => undefined);
      console.log(`walk step "${name}" failed; screenshot in ${file}; terminal: ${JSON.stringify((await screenText()).slice(-1500))}`);
      console.log(`the extension's log, its end:\n${(await log().catch(() => '')).split('\n').slice(-40).join('\n')}`);
      throw error;
    }
    console.log(`walk step "${name}": ${Math.round(performance.now() - started)} ms`);
  }

  it('1. in a remote window, a missing agent opens the Remote settings tab, the log says which value is in force, and a fix is picked up', async () => {
    await step('remote settings', async () => {
      await page.getByText('Claude Code was not found by this remote window').first().waitFor({ timeout: 60_000 });
      await page.getByRole('button', { name: 'Set the Agent Command in Remote Settings' }).first().click();
      const searchBox = page.locator('.settings-editor .suggest-input-container .monaco-editor, .settings-editor .settings-header-widget');
      await searchBox.first().waitFor({ timeout: 30_000 });
      await waitFor('the Remote tab of the Settings editor to be the chosen one', async () => /Remote/.test((await page.locator('.settings-editor .settings-tabs-widget .checked').first().textContent().catch(() => '')) ?? ''), 30_000, 200);
      await page.locator('.settings-editor .setting-item-contents[aria-label*="instar.agent.command" i], .settings-editor .setting-item-label:has-text("Command")').first().waitFor({ timeout: 30_000 });
      await page.screenshot({ path: join(SHOTS, 'remote-settings.png') });
      const text = await waitFor('the log to explain the missing agent', async () => ((await log()).includes('This is a remote window') ? log() : undefined), 30_000, 200);
      assert.match(text, /instar\.agent\.command = "claude", the default/);
      assert.match(text, /PATH of this extension host:/);
      // The user types the path where the button took them: the Remote settings.
      const field = page.locator('.settings-editor .setting-item-contents input').first();
      await field.fill(CLAUDE);
      await field.press('Tab');
      await waitFor('the Remote settings file to hold it', async () => (await readFile(join(root, 'user-data', 'Machine', 'settings.json'), 'utf8')).includes(CLAUDE), 30_000, 200);
      await page.keyboard.press('Control+W'); // closes the Settings editor
      await page.getByText('No sessions yet').first().waitFor({ timeout: 60_000 });
      const fixed = await waitFor('the log to say it is found now', async () => ((await log()).includes('Claude Code found now') ? log() : undefined), 30_000, 200);
      assert.match(fixed, /Claude Code found now: .*claude \(instar\.agent\.command = ".*", from the Remote settings \(.*\) or the User settings\)/);
    });
  });

  it('2. states in words in the tree, the status bar and for screen readers; the view has one title', async () => {
    await step('states in words', async () => {
      const title = (await page.locator('.sidebar .composite.title .title-label h2').first().textContent()) ?? '';
      assert.equal(title.trim().toLowerCase(), 'instar sessions', `the view's title (${title})`);
      await runCommand(page, 'Instar Sessions: Spawn Session');
      await quickInput(page, /Spawn Session \(1\/3\): name/, null);
      await quickInput(page, /Spawn Session \(2\/3\): prompt/, 'Walk one');
      // The model step says how it will ask before it runs tools (the setting: asks), and changes it for this spawn.
      await waitFor('the model step', async () => /Spawn Session \(3\/3\): model · asks before each tool$/.test(await quickInputTitle(page)), 15_000, 100);
      await page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'Asks before each tool' }).first().click();
      await quickInput(page, /Spawn Session \(3\/3\): permissions for this spawn/, 'Skips every permission prompt');
      await quickInput(page, /Spawn Session \(3\/3\): model · skips every permission prompt$/, null);
      await sessionRow(page, 'session-1, Idle').waitFor({ timeout: 90_000 });
      assert.equal(((await (await http('GET', '/sessions/session-1')).json()) as { permissionMode: string }).permissionMode, 'bypassPermissions', 'spawned as chosen');
      // Cost and context come with Claude Code's status line, a moment after the turn.
      await waitFor('cost and context in the row', async () => /Idle · sonnet · \$[\d.]+ · \d+% · (<1m|\d+m)/.test(await rowText('session-1, Idle')), 30_000, 200);
      assert.match((await sessionRow(page, 'session-1, Idle').first().getAttribute('aria-label')) ?? '', /^session-1, Idle, .*model sonnet, cost \$[\d.]+, context \d+ percent used, started (less than a minute|\d+m) ago$/);
      const statusBar = page.locator('.statusbar-item[aria-label^="Instar Sessions: 0 running, 0 waiting for you, 1 idle"]');
      await statusBar.first().waitFor({ timeout: 30_000 });
      assert.match((await statusBar.first().textContent()) ?? '', /0 running\s+1 idle/);
      await page.screenshot({ path: join(SHOTS, 'sessions-view.png') });
    });
  });

  it('3. the quick switcher lists every session with its state and jumps to its terminal', async () => {
    await step('quick switcher', async () => {
      await page.locator('.monaco-workbench').click({ position: { x: 700, y: 5 } }).catch(() => undefined);
      await page.keyboard.press('Control+Alt+S');
      await waitFor('the switcher', async () => /Go to Session/.test(await quickInputTitle(page)), 15_000, 100);
      const item = page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'session-1' }).first();
      assert.match((await item.textContent()) ?? '', /Idle · sonnet/);
      await page.keyboard.type('session-1');
      await page.keyboard.press('Enter');
      await waitFor('the terminal of session-1', async () => (await screenText()).includes('Answer to: Walk one'), 60_000, 200);
      assert.match((await activeTab().textContent()) ?? '', /session-1/);
    });
  });

  it('4. kill asks first when the session is busy (from its button and from the keyboard); Cancel keeps it', async () => {
    await step('kill confirmation', async () => {
      assert.equal((await http('POST', '/sessions/spawn', { name: 'asker', prompt: 'USE-A-TOOL now', permissionMode: 'default' })).status, 201);
      const row = sessionRow(page, 'asker, Waiting for you');
      await row.waitFor({ timeout: 90_000 });
      await row.hover();
      await row.locator('.action-label[aria-label^="Kill Session"]').click();
      const dialog = page.locator('.monaco-dialog-box');
      await dialog.waitFor({ timeout: 15_000 });
      assert.match((await dialog.textContent()) ?? '', /Kill asker\? It is waiting for you/);
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'detached', timeout: 15_000 });
      assert.equal(await row.count(), 1, 'still waiting after Cancel');
      // The keyboard: a click opens the session (and selects it); back in the view, Shift+F10
      // shows every action, Delete asks, Enter kills.
      await row.click();
      const askerTab = page.locator('.tabs-container .tab.active').filter({ hasText: 'asker' }).first();
      // On a loaded machine the workbench can drop a click on a row it is redrawing (its age ticks
      // each second); the row is selected then, and Enter opens it as the keyboard does.
      if (!(await askerTab.waitFor({ timeout: 10_000 }).then(() => true, () => false))) {
        console.log('walk: the click on the row did not open it; Enter on the selected row');
        await page.keyboard.press('Enter');
      }
      await askerTab.waitFor({ timeout: 30_000 });
      await runCommand(page, 'Instar Sessions: Focus on Instar Sessions View');
      await waitFor('the row to be focused', async () => /\bfocused\b/.test((await row.getAttribute('class')) ?? ''), 15_000, 200);
      await page.keyboard.press('Shift+F10');
      const menu = page.locator('.context-view .monaco-menu');
      await menu.waitFor({ timeout: 15_000 });
      const actions = (await menu.textContent()) ?? '';
      for (const action of ['Open Session as Editor Terminal', 'Show Output', 'Send Input', 'Answer Prompt', 'Kill Session']) assert.ok(actions.includes(action), `${action} in the context menu`);
      await page.keyboard.press('Escape');
      await page.keyboard.press('Delete');
      // Delete acts on the selected session (with none selected, it would ask which).
      await dialog.waitFor({ timeout: 15_000 });
      assert.match((await dialog.textContent()) ?? '', /Kill asker\?/);
      await page.keyboard.press('Enter'); // Kill is the first button
      await sessionRow(page, 'asker, Killed').waitFor({ timeout: 30_000 });
    });
  });

  it("5. an ended session's tab keeps its last screen and says how it ended; R resumes it there, another key closes it; its age reads <1m", async () => {
    await step('ended terminal', async () => {
      // session-1's tab is open (the switcher); kill it from a script: no question, the tab stays.
      await page.locator('.tabs-container .tab').filter({ hasText: 'session-1' }).first().click();
      await waitFor("session-1's screen", async () => (await screenText()).includes('Answer to: Walk one'), 30_000, 200);
      assert.equal((await http('DELETE', '/sessions/session-1')).status, 200);
      await waitFor('the end line in the tab', async () => /session-1 killed.*Press R to resume it here/.test(await screenText()), 30_000, 200);
      assert.ok((await screenText()).includes('Answer to: Walk one'), 'the last screen is still there');
      await page.screenshot({ path: join(SHOTS, 'ended-terminal.png') });
      // An age under a minute reads "<1m" (the refresh controller redraws it when it becomes "1m"):
      // never a figure in seconds that stands still, nor one that redraws the row every second.
      assert.match(await rowText('session-1, Killed'), /Killed · sonnet · (\$[\d.]+ · \d+% · )?<1m ago/);
      await page.locator('.editor-instance .xterm-helper-textarea >> visible=true').first().focus();
      await page.keyboard.press('r');
      await sessionRow(page, 'session-1, Idle').waitFor({ timeout: 90_000 });
      await waitFor('the live session in the same tab', async () => !(await screenText()).includes('Press R to resume'), 30_000, 200);
      assert.equal((await http('DELETE', '/sessions/session-1')).status, 200);
      await waitFor('the end line again', async () => /session-1 killed/.test(await screenText()), 30_000, 200);
      await page.locator('.editor-instance .xterm-helper-textarea >> visible=true').first().focus();
      await page.keyboard.press('x');
      await waitFor('the tab to close', async () => (await page.locator('.tabs-container .tab').filter({ hasText: 'session-1' }).count()) === 0, 15_000, 200);
      // Opening an ended session shows its last screen, read-only, with what ended it.
      await sessionRow(page, 'asker, Killed').click();
      await waitFor("asker's last screen and end", async () => /asker killed.*Press R to resume it here/.test(await screenText()), 30_000, 200);
      assert.match(await screenText(), /touch tool-ran-ok\.txt|Create a marker file|Bash/);
    });
  });

  it("6. a removed session's output tab closes", async () => {
    await step('output tab', async () => {
      await runCommand(page, 'Instar Sessions: Show Output');
      await page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'asker' }).first().click();
      await page.locator('.tabs-container .tab').filter({ hasText: 'asker.log' }).first().waitFor({ timeout: 30_000 });
      const row = sessionRow(page, 'asker, Killed');
      await row.hover();
      await row.locator('.action-label[aria-label^="Remove Session"]').click();
      await row.waitFor({ state: 'detached', timeout: 30_000 });
      await waitFor('the output tab to close', async () => (await page.locator('.tabs-container .tab').filter({ hasText: 'asker.log' }).count()) === 0, 15_000, 200);
    });
  });

  it('7. the parallel flow says so in every step and ends in one notification for the batch', async () => {
    await step('parallel flow', async () => {
      await spawnInParallel('batch', ['First parallel task', 'Second parallel task']);
      await sessionRow(page, 'batch-1, Idle').waitFor({ timeout: 90_000 });
      await sessionRow(page, 'batch-2, Idle').waitFor({ timeout: 90_000 });
      await runCommand(page, 'Notifications: Show Notifications');
      const center = page.locator('.notifications-center');
      await center.waitFor({ timeout: 15_000 });
      await center.locator('.notification-list-item-message').filter({ hasText: '2 sessions spawned together finished their turns (batch-1, batch-2): 2 idle.' }).first().waitFor({ timeout: 30_000 });
      await page.screenshot({ path: join(SHOTS, 'notification.png') });
      const messages = await center.locator('.notification-list-item-message').allTextContents();
      await page.keyboard.press('Escape');
      assert.equal(messages.filter((text) => text.includes('spawned together')).length, 1, 'one notification for the batch');
      assert.deepEqual(messages.filter((text) => /batch-\d finished its turn/.test(text)), [], 'none per session');
    });
  });

  it('8. the log has each spawn once, ends and finished turns', async () => {
    await step('log', async () => {
      assert.equal((await http('POST', '/sessions/batch-1/input', { text: '/exit' })).status, 200);
      await sessionRow(page, 'batch-1, Completed').waitFor({ timeout: 60_000 });
      const text = await waitFor('the exit in the log', async () => ((await log()).includes('batch-1 ended: completed') ? log() : undefined), 30_000, 200);
      assert.equal(text.match(/Spawned session-1 /g)?.length, 1, 'a palette spawn is logged once');
      assert.match(text, /session-1 finished its turn/);
      assert.match(text, /asker is waiting for you/);
      assert.match(text, /Killed asker/);
      assert.match(text, /batch-1 ended: completed, exit status 0/);
      assert.ok((await stat(join(SHOTS, 'sessions-view.png'))).size > 0);
    });
  });

  it('9. a second tab on the same workspace (an extension host of its own) shows a session the first one spawned, turning idle from its hooks', async () => {
    await step('second tab', async () => {
      // VS Code gives this host a copy of the workspace's storage folder (the first host holds its
      // lock); the engine must still share the first one's events and sessions.
      const second = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      try {
        await second.goto(server.workbenchUrl(folder, [['extensionDevelopmentPath', server.remoteUri(REPO)], ['skipWelcome', 'true']]));
        await second.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
        await second.locator('.activitybar [aria-label^="Instar Sessions"]').first().waitFor({ timeout: 60_000 });
        await runCommand(second, 'View: Show Instar Sessions');
        await sessionRow(second, 'batch-2, Idle').waitFor({ timeout: 60_000 });
        assert.equal((await http('POST', '/sessions/spawn', { name: 'two-tabs', prompt: 'Seen from two tabs' })).status, 201);
        await sessionRow(second, 'two-tabs, Idle').waitFor({ timeout: 90_000 });
        await sessionRow(page, 'two-tabs, Idle').waitFor({ timeout: 30_000 });
      } finally {
        await second.close().catch(() => undefined);
      }
    });
  });

  it('10. what a session cost and said: its conversation from a search, opened at the match', async () => {
    await step('conversation', async () => {
      await runCommand(page, 'Instar Sessions: Search Sessions…');
      await quickInput(page, /^Search Sessions$/, 'Walk one');
      await waitFor('the matches', async () => /Search Sessions: \d+ match/.test(await quickInputTitle(page)), 30_000, 100);
      const answer = page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'in an answer' }).first();
      assert.match((await answer.textContent()) ?? '', /session-1/);
      await answer.click();
      await page.locator('.tabs-container .tab.active').filter({ hasText: 'session-1.md' }).first().waitFor({ timeout: 30_000 });
      await page.locator('.editor-instance .view-lines').filter({ hasText: 'Answer to: Walk one' }).first().waitFor({ timeout: 30_000 });
      await page.screenshot({ path: join(SHOTS, 'conversation.png') });
    });
  });

  it('11. sessions in worktrees of their own: the parallel flow offers them in a repository, the rows show their branches, Review Changes opens the multi-file diff, Merge lands one in main', async () => {
    await step('worktrees', async () => {
      initRepo(folder);
      // The merge's notification is looked for at the end: the list starts empty, all of it in sight.
      await runCommand(page, 'Notifications: Clear All Notifications');
      await spawnInParallel('edit', ['Please EDIT-A-FILE for the notes', 'Please EDIT-A-FILE as well']);
      await waitFor('the where step', async () => /Spawn Sessions in Parallel: where/.test(await quickInputTitle(page)), 15_000, 100);
      assert.match((await page.locator('.quick-input-list .monaco-list-row').first().textContent()) ?? '', /A worktree each/, 'worktrees first for parallel sessions');
      await page.keyboard.press('Enter');
      for (const name of ['edit-1', 'edit-2']) {
        // Tools ask first in this walk: its Bash edit is allowed from the API.
        await sessionRow(page, `${name}, Waiting for you`).waitFor({ timeout: 90_000 });
        assert.equal((await http('POST', `/sessions/${name}/answer`, { option: 'Yes' })).status, 200);
      }
      for (const name of ['edit-1', 'edit-2']) await waitFor(`${name}'s branch and change in its row`, async () => new RegExp(`instar/${name} \\+1 −0`).test(await rowText(`${name}, Idle`)), 90_000, 200);
      assert.equal(await readFile(join(folder, 'notes.txt'), 'utf8'), 'first line\n', 'the main tree is untouched');
      const row = sessionRow(page, 'edit-1, Idle');
      await row.hover();
      await row.locator('.action-label[aria-label^="Review Changes"]').click();
      await page.locator('.tabs-container .tab.active').filter({ hasText: 'edit-1: instar/edit-1 vs main' }).first().waitFor({ timeout: 30_000 });
      await page.locator('.editor-instance').filter({ hasText: 'edited by claude' }).first().waitFor({ timeout: 30_000 });
      await page.screenshot({ path: join(SHOTS, 'worktree-review.png') });
      await runCommand(page, 'Instar Sessions: Merge into Base Branch');
      await page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'edit-1' }).first().click();
      const dialog = page.locator('.monaco-dialog-box');
      await dialog.waitFor({ timeout: 15_000 });
      assert.match((await dialog.textContent()) ?? '', /edit-1 left 1 uncommitted file in its worktree\. Commit them to instar\/edit-1 and merge into main\?/);
      await dialog.getByRole('button', { name: 'Commit and Merge' }).click();
      await waitFor('the merge in the main tree', async () => (await readFile(join(folder, 'notes.txt'), 'utf8')) === 'first line\nedited by claude\n', 30_000, 200);
      await runCommand(page, 'Notifications: Show Notifications');
      await page.locator('.notifications-center .notification-list-item-message').filter({ hasText: 'Merged instar/edit-1 into main (fast-forward)' }).first().waitFor({ timeout: 30_000 });
      await page.keyboard.press('Escape');
    });
  });
});
