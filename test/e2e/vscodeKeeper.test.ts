/**
 * The team with every window gone: a window of a trusted workspace (code-server, the keeper on by
 * default) starts the background keeper as soon as there is something to keep; code-server's whole
 * process group is then killed with SIGKILL, as when the machine's VS Code quits or a Remote-SSH
 * host's grace time runs out. The keeper goes on: the job fires in later minutes and its runs end
 * once idle, an idle session ends at its limit, a turn over its session's budget is stopped, a
 * surviving session's `instar spawn … --result` gets its helper's answer through the keeper's API.
 * A new window, from a fresh VS Code profile and browser, then follows the keeper and shows what
 * happened; the survivor's `instar list` still works with the workspace's token, and after Rotate
 * API Token; the keeper killed, the window leads at once; Stop Background Keeper ends it and
 * leaves the sessions in tmux.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { runMinuteOf } from '../../src/core/jobs/jobScheduler';
import { findWorkspace } from '../../src/core/lead/workspaceDirectory';
import { isAlive } from '../../src/core/util/processes';
import { ClaudeHome, makeClaudeHome } from '../support/claudeEnv';
import { REPO } from '../support/engineHarness';
import { FakeMessagesApi } from '../support/fakeMessagesApi';
import { scriptedReply } from '../support/scriptedReplies';
import { cleanupSocket, privateSocket, tmuxSessionsNamed } from '../support/tmuxServer';
import { waitFor } from '../support/wait';
import { CodeServer, extensionLog, launchBrowser, Toolchain, toolchain } from './codeServer';
import { runCommand, sessionRow, WORKBENCH_SETTINGS } from './workbench';

interface ApiSession {
  name: string;
  status: string;
  statusDetail: string | null;
}

/** Ends every process whose command line names `text` (the keepers this test's windows started, whatever happened). */
function killProcessesNaming(text: string): void {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) process.kill(Number(entry), 'SIGKILL');
    } catch {
      // Gone meanwhile, or not ours.
    }
  }
}


describe('the team with every window gone (code-server killed, the background keeper on)', () => {
  let tools: Toolchain;
  let fake: FakeMessagesApi;
  let root: string;
  let folder: string;
  let browser: Browser;
  let home: ClaudeHome;
  let socket: string;
  let settings: Record<string, unknown>;
  let stateDir: string;
  const servers: CodeServer[] = [];
  let keeperPid: number | undefined;
  /** The token the first window's sessions were given. */
  let firstToken: string;

  const config = async () => JSON.parse(await readFile(join(folder, '.instar', 'config.json'), 'utf8')) as { port: number; authToken: string };
  const http = async (method: string, route: string, body?: unknown) => {
    const { port, authToken } = await config();
    const response = await fetch(`http://127.0.0.1:${port}${route}`, { method, headers: { authorization: `Bearer ${authToken}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as unknown };
  };
  const sessions = async () => (await http('GET', '/sessions')).body as ApiSession[];
  const keeperInfo = async () => JSON.parse(await readFile(join(stateDir, 'keeper.json'), 'utf8')) as { pid: number; port?: number };

  /** A window; with `profile`, from a fresh VS Code profile and a fresh browser (its own secret storage). */
  async function openWindow(profile?: string): Promise<{ server: CodeServer; page: Page }> {
    const server = await CodeServer.start({ tools, root, trust: false, log: () => undefined, env: {}, settings, profile });
    servers.push(server);
    const context = profile === undefined ? browser : await browser.newContext();
    const page = await context.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(server.workbenchUrl(folder, [['extensionDevelopmentPath', server.remoteUri(REPO)], ['skipWelcome', 'true']]));
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    const tab = page.locator('.activitybar [aria-label^="Instar Sessions"]').first();
    await tab.waitFor({ timeout: 60_000 });
    await tab.click();
    return { server, page };
  }

  before(async () => {
    tools = toolchain(REPO);
    fake = await FakeMessagesApi.start(scriptedReply);
    root = await mkdtemp(join(tmpdir(), 'instar-keeper-e2e-'));
    folder = join(root, 'workspace');
    await mkdir(join(folder, '.instar'), { recursive: true });
    home = await makeClaudeHome({ baseUrl: fake.url, trustedDirs: [folder] });
    socket = privateSocket('vskeeper');
    settings = {
      'instar.agent.command': join(REPO, 'node_modules', '.bin', 'claude'),
      'instar.agent.environment': home.env,
      'instar.tmux.socket': socket,
      // Quiet but for what needs a person, and the summary of what happened while away.
      'instar.notifications': 'waiting',
      'instar.api.enabled': true,
      'instar.api.port': 0,
      'instar.keeper.lingerMinutes': 1,
      ...WORKBENCH_SETTINGS,
    };
    await writeFile(join(folder, '.instar', 'jobs.json'), JSON.stringify([{ slug: 'tick', schedule: '* * * * *', prompt: 'Tick while nobody looks', endWhenIdleSeconds: 10 }]));
    await mkdir(join(REPO, 'test-results'), { recursive: true });
    browser = await launchBrowser(tools);
  });

  after(async () => {
    // The keeper's log, for what happened (CI keeps test-results).
    if (stateDir) await copyFile(join(stateDir, 'keeper.log'), join(REPO, 'test-results', 'keeper.log')).catch(() => undefined);
    await browser?.close().catch(() => undefined);
    for (const server of servers) server.stop();
    if (keeperPid !== undefined && isAlive(keeperPid)) process.kill(keeperPid, 'SIGKILL');
    if (root) killProcessesNaming(root);
    cleanupSocket(socket);
    await home?.dispose();
    await fake?.close();
    if (root) await rm(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  });

  it('a window starts the keeper, which takes the lead; with every window killed, jobs fire, idle sessions end and agents still steer agents', async () => {
    const { server, page } = await openWindow();
    // The window notes where the workspace's state is; the keeper writes keeper.json there.
    stateDir = (await waitFor('the window to note the workspace', async () => {
      const found = await findWorkspace(folder, join(root, 'xdg-state', 'instar-sessions'));
      return found.noted ? found : undefined;
    }, 60_000, 200)).stateDir;
    const info = await waitFor('the keeper to lead and serve the API', async () => {
      const value = await keeperInfo();
      return value.port !== undefined && (await config()).port === value.port ? value : undefined;
    }, 60_000, 200);
    keeperPid = info.pid;
    await page.locator('.action-label[aria-label^="Kept in the Background"]').first().waitFor({ timeout: 30_000 });

    assert.equal((await http('POST', '/sessions/spawn', { name: 'ends-idle', prompt: 'Hello', endWhenIdleSeconds: 20 })).status, 201);
    assert.equal((await http('POST', '/sessions/spawn', { name: 'survivor', prompt: 'Hello', endWhenIdleSeconds: 0 })).status, 201);
    assert.equal((await http('POST', '/sessions/spawn', { name: 'budgeted', prompt: 'A cheap first turn', endWhenIdleSeconds: 0, budgetUsd: 1 })).status, 201);
    const three = ['ends-idle', 'survivor', 'budgeted'];
    await waitFor('all three idle', async () => (await sessions()).filter((s) => three.includes(s.name) && s.status === 'idle').length === 3, 90_000, 500);
    firstToken = (await config()).authToken;

    // Every window gone: code-server and everything in its process group, at once.
    const killedAt = Date.now();
    server.stop();
    await page.close().catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    assert.equal(isAlive(info.pid), true, 'the keeper outlives the window');
    assert.equal((await fetch(`http://127.0.0.1:${info.port}/health`)).status, 200, 'its API answers');

    // The budget holds with no window: a turn that passes it is stopped and the session ends.
    assert.equal((await http('POST', '/sessions/budgeted/input', { text: 'Now an EXPENSIVE-TURN' })).status, 200);
    const budgeted = await waitFor('the budgeted session to be stopped', async () => (await sessions()).find((s) => s.name === 'budgeted' && s.status === 'error'), 90_000, 500);
    assert.match(budgeted.statusDetail ?? '', /^budget: \$\d+\.\d\d spent of the session's \$1\.00$/);

    // An agent steers an agent through the keeper: the survivor's Bash runs instar spawn … --result.
    assert.equal((await http('POST', '/sessions/survivor/input', { text: 'SPAWN-A-HELPER now' })).status, 200);
    const helperAnswer = await waitFor('the helper answer in the survivor', () => fake.requests.find((request) => request.hasToolResult && request.toolResultText.includes('Answer to: Hello helper')), 150_000, 500);
    assert.ok(helperAnswer);

    await waitFor('ends-idle to end at its idle limit', async () => (await sessions()).find((s) => s.name === 'ends-idle' && s.status === 'completed'), 120_000, 1000);
    const runs = await waitFor('runs of the job in two minutes after the window went', async () => {
      const after = (await sessions()).filter((s) => s.name.startsWith('job-tick-') && (runMinuteOf(s.name, 'tick') ?? 0) + 60_000 > killedAt);
      const minutes = new Set(after.map((s) => runMinuteOf(s.name, 'tick')));
      return minutes.size >= 2 ? after : undefined;
    }, 150_000, 1000);
    console.log(`job runs after the window went: ${runs.map((s) => `${s.name} ${s.status}`).join(', ')}`);
    await waitFor('the first of them to end once idle', async () => (await sessions()).find((s) => s.name === runs[0].name && s.status === 'completed'), 90_000, 1000);
    const log = await readFile(join(stateDir, 'keeper.log'), 'utf8');
    assert.match(log, /Spawned job-tick-/);
  });

  it('a new window, from a fresh profile, follows the keeper and shows what happened; the token holds, rotated too; Stop Background Keeper ends it, and the sessions go on in tmux', async () => {
    const { page } = await openWindow('fresh-profile');
    try {
      await nextWindow(page);
    } catch (error) {
      await page.screenshot({ path: join(REPO, 'test-results', 'keeper-failure.png') }).catch(() => undefined);
      console.log(`the extension's logs:\n${(await extensionLog(root)).split('\n').slice(-60).join('\n')}`);
      throw error;
    }
  });

  /** The survivor runs `instar list` (its token read from the file its environment names): the `count`th listing has the team. */
  async function survivorLists(count: number): Promise<void> {
    const listings = () => fake.requests.filter((request) => !request.isSide && request.hasToolResult && /ends-idle/.test(request.toolResultText));
    assert.equal((await http('POST', '/sessions/survivor/input', { text: 'LIST-THE-TEAM please' })).status, 200);
    await waitFor(`listing ${count} of the team in the survivor`, () => listings().length >= count, 90_000, 500);
  }

  async function nextWindow(page: Page): Promise<void> {
    await page.locator('.action-label[aria-label^="Kept in the Background"]').first().waitFor({ timeout: 60_000 });
    await sessionRow(page, 'ends-idle, Completed').first().waitFor({ timeout: 60_000 });
    await sessionRow(page, 'helper, ').first().waitFor({ timeout: 60_000 });
    await page.locator('.monaco-list-row[aria-label^="job-tick-"][aria-label*="Completed"]').first().waitFor({ timeout: 60_000 });
    // What the window said it would show (its log has each notification's text).
    const text = await waitFor('the summary of what happened', async () => /While you were away: [^\n]*/.exec(await extensionLog(root))?.[0], 30_000, 500);
    console.log(text);
    assert.match(text, /While you were away: [2-9]\d* job runs, .*\d+ sessions? ended/);
    await sessionRow(page, 'budgeted, Error').first().waitFor({ timeout: 30_000 });

    // The token is the workspace's, not the profile's: a session that survived still gets its answers.
    assert.equal((await config()).authToken, firstToken, 'a fresh profile keeps the workspace token');
    await survivorLists(1);
    await runCommand(page, 'Instar Sessions: Rotate API Token');
    await waitFor('the keeper to take the rotated token', async () => (await config()).authToken !== firstToken && (await http('GET', '/sessions')).status === 200, 30_000, 200);
    const { port } = await config();
    assert.equal((await fetch(`http://127.0.0.1:${port}/sessions`, { headers: { authorization: `Bearer ${firstToken}` } })).status, 403, 'the old token is refused');
    await survivorLists(2);

    // The keeper killed with SIGKILL while this window is open: the window leads at once (its API
    // in the workspace's file), then starts a new keeper, which takes the lead back.
    const old = await keeperInfo();
    const killedAt = Date.now();
    process.kill(old.pid, 'SIGKILL');
    await waitFor('the window to lead and serve the API', async () => (await config()).port !== old.port && (await http('GET', '/sessions')).status === 200, 30_000, 50);
    console.log(`the window served the API ${Date.now() - killedAt} ms after the keeper was killed`);
    const next = await waitFor('a new keeper to lead', async () => {
      const info = await keeperInfo();
      return info.pid !== old.pid && info.port !== undefined && (await config()).port === info.port ? info : undefined;
    }, 60_000, 200);
    keeperPid = next.pid;
    // Across both hand-overs, every minute's firing ran once: no minute missing, none twice.
    const killedMinute = Math.floor(killedAt / 60_000) * 60_000;
    await waitFor('a firing after the hand-overs', async () => (await sessions()).some((s) => (runMinuteOf(s.name, 'tick') ?? 0) > killedMinute), 90_000, 1000);
    const runs = (await sessions()).map((s) => s.name).filter((name) => name.startsWith('job-tick-'));
    assert.deepEqual(runs.filter((name) => /-\d{8}-\d{4}-\d+$/.test(name)), [], `no firing ran twice: ${runs.join(', ')}`);
    const minutes = [...new Set(runs.map((name) => runMinuteOf(name, 'tick')!))].sort((a, b) => a - b).filter((minute) => minute >= killedMinute - 60_000);
    for (let i = 1; i < minutes.length; i += 1) assert.equal(minutes[i] - minutes[i - 1], 60_000, `no minute lost: ${runs.join(', ')}`);

    await runCommand(page, 'Instar Sessions: Stop Background Keeper');
    await waitFor('the keeper to end', () => !isAlive(keeperPid!), 30_000, 200);
    assert.equal(existsSync(join(stateDir, 'keeper.json')), false);
    // The window leads now: its API answers at the workspace's file.
    await waitFor('the window to serve the API', async () => (await http('GET', '/sessions')).status === 200 && (await config()).port !== (await keeperInfo().catch(() => ({ port: -1 }))).port, 30_000, 500);
    assert.equal(tmuxSessionsNamed(socket, 'survivor').length, 1, 'survivor still runs in tmux');
    await page.waitForTimeout(1500);
    assert.equal(isAlive(keeperPid!), false, 'no window starts it again until Start Background Keeper');
  }
});
