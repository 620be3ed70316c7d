/**
 * Benchmark rows measured inside a real VS Code (code-server and headless Chromium, the harness
 * of the e2e tests): the extension's activation with many known sessions, as the extension host
 * itself times it; a hook event until its tree row is repainted in the browser; and the extension
 * host's CPU with many live, quiet sessions and the view visible. Each beside a baseline from the
 * same run: an empty extension's activation in the same host, a bare fs.watch seeing the same
 * kind of rename, and the same host idle (no sessions).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { CodeServer } from '../test/e2e/codeServer';
import { cleanupSocket, privateSocket } from '../test/support/tmuxServer';
import { waitFor } from '../test/support/wait';
import { runCommand, sessionRow, WORKBENCH_SETTINGS } from '../test/e2e/workbench';
import { readInstarConfig, type InstarConfig } from '../src/core/http/instarConfig';
import { delay } from '../src/core/util/delay';
import { bareWatchLatency } from './measure';
import { writeHookEvent, writeQuietAgent } from '../test/support/quietAgent';
import { MAX_BATCH } from '../src/core/http/batchSpawn';

export interface VsCodeSizes {
  /** Quiet sessions known to the extension (spawned before the reload). */
  sessions: number;
  /** Hook events written for one session, alternating running and idle. */
  events: number;
  /** How long each CPU figure is measured. */
  cpuSeconds: number;
  /** How long the host is left to settle after a page load, before a CPU figure. */
  settleMs: number;
  /** Reloads with the sessions known, each timing an activation (the median is taken). */
  reloads: number;
}

/** What the extension host records for one activation (VS Code's activationTimes), in ms. */
export interface ActivationTimes {
  loadCode: number;
  callActivate: number;
  finishActivate: number;
  total: number;
  /** What activated it: onStartupFinished, or onView:… when the view was restored open. */
  event: string;
  /** The require of its main file alone, in load code (the host's own marks around it). */
  requireMs?: number;
  /** Instar Sessions: from activation until the rest of it (dist/main.js) was loaded and wired, and that require alone. */
  loading?: { loadedMs: number; requireMs: number };
}

export interface VsCodeFigures {
  /** The extension after a reload, with `sessions` known: the reload of median total. */
  activation: ActivationTimes;
  /** The totals of every reload, in order. */
  activationTotals: number[];
  /** The extension on the first load, no session known. */
  activationWithout: ActivationTimes;
  /** An empty extension in the same hosts (the reload of median total for it). */
  activationEmpty: ActivationTimes;
  /** ms from the rename of the event file to the frame that shows the row in its new state. */
  repaint: number[];
  /** ms from the rename to the row's aria-label change in the DOM (before its frame). */
  domChange: number[];
  /** ms from a rename to a bare fs.watch's callback in this process. */
  bareWatch: number[];
  /** % of one core used by the extension host (and the processes it ran and reaped). */
  cpuLive: number;
  cpuIdle: number;
  /** The part of cpuLive and cpuIdle that the processes it ran (tmux clients, git…) used. */
  cpuLiveChildren: number;
  cpuIdleChildren: number;
}

const EXTENSION_ID = 'instar.instar-sessions';
const EMPTY_ID = 'vsbench.vsbench-empty';
const PROBE_COMMAND = 'VS Bench: Read Activation Times';
/** The bare extension's activity bar container and its QuickPick's keys (see writeEmptyExtension). */
export const BARE_TAB = 'VS Bench Bare';
export const BARE_PICK_KEY = 'ctrl+alt+shift+y';

/** The least time between two hook events of the latency rows (plus up to as much at random). */
export const EVENT_GAP_MS = 300;

/** The pause between the sessions' last change and the first reload. */
export const RELOAD_PAUSE_MS = 3000;

/** A generous bound on each step: only a failure reaches it. */
export const STEP_MS = 120_000;

export async function step<T>(name: string, work: () => Promise<T>, timeoutMs = STEP_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`vscode bench: ${name} did not finish within ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    return await Promise.race([work(), stalled]);
  } catch (error) {
    const message = (error as Error).message ?? String(error);
    throw new Error(message.startsWith('vscode bench:') ? message : `vscode bench: ${name} failed: ${message}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}

/** A code-server window of the bench's: the quiet agent, the extension and its comparison extensions, Chromium. */
export interface BenchWindow {
  root: string;
  /** The workspace folder the window opens. */
  folder: string;
  /** Where the quiet agent reports each session's id and events folder. */
  report: string;
  server: CodeServer;
  page: Page;
  /** The API as last read, and the session the events go to: for what a failure reports. */
  api?: InstarConfig;
  target?: string;
}

/**
 * Starts code-server with Instar Sessions and the extensions `addExtensions` writes into the one
 * development folder, runs `work` on a Chromium page, and ends all of it (tmux server included).
 * A failure says what the page showed and keeps the logs under test-results/`name`-….
 */
export async function withBenchWindow<T>(repo: string, name: string, addExtensions: (dir: string) => Promise<void>, work: (window: BenchWindow) => Promise<T>): Promise<T> {
  // Loaded here, not with the bench: playwright-core is large, and the garbage of loading it
  // would be collected in the middle of the bench's heap row.
  const { CodeServer, launchBrowser, toolchain } = await import('../test/e2e/codeServer');
  const tools = toolchain(repo);
  const root = await mkdtemp(join(tmpdir(), `instar-${name}-`));
  const socket = privateSocket(name.replace(/[^a-z]/g, ''));
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let window: BenchWindow | undefined;
  try {
    const folder = join(root, 'workspace');
    await mkdir(folder, { recursive: true });
    const report = join(root, 'agents.txt');
    const agent = await writeQuietAgent(join(root, 'bin'));
    // One development folder holding every extension: the workbench keeps only the last
    // extensionDevelopmentPath of its payload, and a folder without a package.json is scanned
    // for an extension in each of its subfolders.
    const extensions = join(root, 'extensions');
    await mkdir(extensions);
    await symlink(repo, join(extensions, 'instar-sessions'));
    await addExtensions(extensions);
    server = await step('starting code-server', () =>
      CodeServer.start({
        tools,
        root: join(root, 'code-server'),
        trust: false,
        log: () => undefined,
        env: {},
        settings: {
          'instar.agent.command': agent,
          'instar.agent.environment': { AGENT_REPORT: report },
          'instar.tmux.socket': socket,
          'instar.notifications': 'off',
          'instar.api.enabled': true,
          // The window leads, as it does with the keeper off (its own tests: vscodeKeeper.test.ts).
          'instar.keeper.enabled': false,
          'instar.api.port': 0,
          // The scale rows keep up to 1,000 sessions live: no cap on them.
          'instar.sessions.maxLive': 0,
          ...WORKBENCH_SETTINGS,
          // Not VS Code's port finder: in a remote host it otherwise runs ps and reads every
          // process's /proc entries every 2 s or more (about 5 % of a core here, idle or not).
          'remote.autoForwardPortsSource': 'output',
        },
      }),
    );
    browser = await step('launching Chromium', () => launchBrowser(tools));
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    window = { root, folder, report, server, page };
    const payload: [string, string][] = [
      ['extensionDevelopmentPath', server.remoteUri(extensions)],
      ['skipWelcome', 'true'],
    ];
    const opened = server.workbenchUrl(folder, payload);
    await step('opening the workbench', async () => {
      await page.goto(opened);
      await page.locator('.monaco-workbench').waitFor({ timeout: STEP_MS });
      const tab = page.locator(`.activitybar [aria-label^="Instar Sessions"]`).first();
      await tab.waitFor({ timeout: STEP_MS });
      await tab.click();
      await page.getByText('No sessions yet').first().waitFor({ timeout: STEP_MS });
    });
    return await work(window);
  } catch (error) {
    if (window) await reportFailure(repo, name, window, error as Error);
    throw error;
  } finally {
    await browser?.close().catch(() => undefined);
    server?.stop();
    cleanupSocket(socket);
    await rm(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
}

/** Adds to a failure's message what the page showed, what the API says of the target session, and where the logs were kept. */
async function reportFailure(repo: string, name: string, window: BenchWindow, error: Error): Promise<void> {
  const { page, target } = window;
  const shot = join(repo, 'test-results', `${name}-failure.png`);
  await mkdir(join(repo, 'test-results'), { recursive: true }).catch(() => undefined);
  const saved = await page.screenshot({ path: shot }).then(() => true, () => false);
  const rows = await page.locator('.monaco-list-row[aria-label]').evaluateAll((found) => found.slice(0, 5).map((element) => element.getAttribute('aria-label'))).catch(() => []);
  // What the extension says of the session the events went to (its host may have moved the API).
  const api = (await readInstarConfig(window.folder)) ?? window.api;
  const session = api && target ? await callApi<{ status: string; lastEvent?: string; statusSince?: number }>(api, 'GET', `/sessions/${target}`).catch((failure: Error) => failure.message) : undefined;
  // The workbench's and the extension hosts' logs (the Instar output channel among them).
  const logs = join(repo, 'test-results', `${name}-logs`);
  await rm(logs, { recursive: true, force: true });
  const kept = await cp(join(window.root, 'code-server', 'user-data', 'logs'), logs, { recursive: true }).then(() => true, () => false);
  error.message += `\n(the first rows of the page: ${JSON.stringify(rows)}${session ? `; ${target} by the API: ${JSON.stringify(session)}` : ''}${saved ? `; screenshot in ${shot}` : ''}${kept ? `; logs in ${logs}` : ''})`;
}

/**
 * Spawns quiet sessions named `names` through the API, MAX_BATCH to a POST /sessions/batch (the
 * batch's spawns run at once), and waits until all `total` sessions the API lists are idle (each by
 * its own SessionStart hook event). Resolves with each new session's id, and the name of the one
 * the flat tree shows first (the last the engine lists: a batch's sessions register in any order).
 */
export async function spawnQuietSessions(api: InstarConfig, names: string[], total: number): Promise<{ ids: Map<string, string>; newest: string }> {
  const ids = new Map<string, string>();
  for (let at = 0; at < names.length; at += MAX_BATCH) {
    const sessions = names.slice(at, at + MAX_BATCH).map((name) => ({ name, prompt: '' }));
    const answer = await callApi<{ failed: number; sessions: { name: string; session?: { claudeSessionId: string | null }; error?: string }[] }>(api, 'POST', '/sessions/batch', { sessions, endWhenIdleSeconds: 0 });
    for (const spawned of answer.sessions) {
      if (!spawned.session?.claudeSessionId) throw new Error(`the session ${spawned.name} did not spawn with a session id: ${spawned.error ?? 'no id'}`);
      ids.set(spawned.name, spawned.session.claudeSessionId);
    }
  }
  const listed = await waitFor(
    `all ${total} sessions idle`,
    async () => {
      const sessions = await callApi<{ name: string; status: string }[]>(api, 'GET', '/sessions');
      return sessions.length === total && sessions.every((session) => session.status === 'idle') ? sessions : undefined;
    },
    STEP_MS + total * 200,
    250,
  );
  return { ids, newest: listed[listed.length - 1].name };
}

export async function measureInVsCode(repo: string, sizes: VsCodeSizes, log: (line: string) => void = () => undefined): Promise<VsCodeFigures> {
  let probe = '';
  const addExtensions = async (extensions: string) => {
    await writeEmptyExtension(join(extensions, 'empty'));
    probe = await writeProbeExtension(join(extensions, 'probe'));
  };
  return withBenchWindow(repo, 'vscode-bench', addExtensions, async (window) => {
    const { server: codeServer, page, folder, report } = window;
    // ---- The first load (opened above): no session known. The idle host's CPU, with the view visible.
    log('in VS Code: first load…');
    const activationWithout = await step('reading the activation times (first load)', () => readActivation(page, probe, [EXTENSION_ID, EMPTY_ID]));
    await delay(sizes.settleMs);
    log(`in VS Code: extension host CPU, idle (${sizes.cpuSeconds} s)…`);
    const { pid: idleHost, cpu: cpuIdle } = await step('measuring the idle host', () => hostCpu(codeServer.port, sizes.cpuSeconds), 3 * (sizes.cpuSeconds * 1000 + STEP_MS));

    // ---- N quiet sessions through the HTTP API, each idle by its own SessionStart hook event.
    log(`in VS Code: spawning ${sizes.sessions} quiet sessions…`);
    const config = await step('reading the API config', () => waitFor('.instar/config.json', () => readInstarConfig(folder), STEP_MS, 100));
    window.api = config;
    const names = Array.from({ length: sizes.sessions }, (_, i) => `vsb-${i}`);
    const { ids, newest } = await step('spawning the sessions', () => spawnQuietSessions(config, names, sizes.sessions), 10 * 60_000);
    // The newest session is the tree's first row: the one the events go to, always in view.
    const first = newest;
    window.target = first;
    const targetId = ids.get(first)!;
    const eventsDir = await step('reading where the hook events go', () => waitFor('the agent report', () => eventsDirOf(report, targetId), STEP_MS, 100));

    // VS Code keeps workspaceState in the browser's storage and writes it a little later: a reload
    // right after the last change can lose it (seen: the newest session back as "Starting, found
    // in tmux", its SessionStart not applied again).
    await delay(RELOAD_PAUSE_MS);

    // ---- Reloads: each a new extension host that activates with N sessions known.
    const ours: ActivationTimes[] = [];
    const empties: ActivationTimes[] = [];
    for (let i = 0; i < sizes.reloads; i += 1) {
      log(`in VS Code: reload ${i + 1} of ${sizes.reloads} with the sessions known…`);
      await step(`reload ${i + 1}`, async () => {
        await page.reload();
        await page.locator('.monaco-workbench').waitFor({ timeout: STEP_MS });
        await page.locator('.activitybar [aria-label^="Instar Sessions"]').first().waitFor({ timeout: STEP_MS });
        // Through the palette: clicking the tab while the restored side bar opens would close it.
        await runCommand(page, 'View: Show Instar Sessions');
        await sessionRow(page, `${first}, Idle`).waitFor({ timeout: STEP_MS });
      });
      const after = await step(`reading the activation times (reload ${i + 1})`, () => readActivation(page, probe, [EXTENSION_ID, EMPTY_ID]));
      ours.push(pick(after, EXTENSION_ID));
      empties.push(pick(after, EMPTY_ID));
    }
    await delay(sizes.settleMs);
    log(`in VS Code: extension host CPU with ${sizes.sessions} quiet sessions (${sizes.cpuSeconds} s)…`);
    const { pid: liveHost, cpu: cpuLive } = await step('measuring the host with the sessions', () => hostCpu(codeServer.port, sizes.cpuSeconds), 3 * (sizes.cpuSeconds * 1000 + STEP_MS));
    if (liveHost === idleHost) throw new Error('vscode bench: the reload did not start a new extension host');
    // The API as the reloaded host serves it (a port of its own: instar.api.port is 0).
    const api = (await readInstarConfig(folder)) ?? config;
    window.api = api;
    const stillIdle = await callApi<{ status: string }[]>(api, 'GET', '/sessions').catch(() => undefined);
    if (stillIdle && !stillIdle.every((session) => session.status === 'idle')) log('in VS Code: warning: not every session stayed idle during the CPU measurement');

    // ---- Hook event → row repainted, alternating running and idle on the first row.
    log(`in VS Code: ${sizes.events} hook events → tree row…`);
    const repaint: number[] = [];
    const domChange: number[] = [];
    await page.evaluate(ROW_WATCH);
    for (let i = 0; i < sizes.events; i += 1) {
      const [event, state] = i % 2 === 0 ? ['UserPromptSubmit', 'Running'] : ['Stop', 'Idle'];
      const sample = await step(`hook event ${i + 1} of ${sizes.events} (${event} → ${state} row)`, () => eventToRow(page, eventsDir, targetId, first, event, state), 60_000);
      repaint.push(sample.painted);
      domChange.push(sample.changed);
      // Apart as a turn's state changes are: VS Code delays a tree refresh that follows another
      // within 200 ms (the extension host debounces onDidChangeTreeData, leading edge first).
      await delay(EVENT_GAP_MS + Math.random() * EVENT_GAP_MS);
    }
    const watchDir = join(window.root, 'bare-watch');
    await mkdir(watchDir);
    const bareWatch: number[] = [];
    for (let i = 0; i < Math.max(sizes.events, 5); i += 1) bareWatch.push(await step(`bare fs.watch ${i + 1}`, () => bareWatchLatency(watchDir), 30_000));

    return {
      activation: medianByTotal(ours),
      activationTotals: ours.map((times) => times.total),
      activationWithout: pick(activationWithout, EXTENSION_ID),
      activationEmpty: medianByTotal(empties),
      repaint,
      domChange,
      bareWatch,
      cpuLive: cpuLive.total,
      cpuIdle: cpuIdle.total,
      cpuLiveChildren: cpuLive.children,
      cpuIdleChildren: cpuIdle.children,
    };
  });
}

function pick(times: Map<string, ActivationTimes>, id: string): ActivationTimes {
  const found = times.get(id);
  if (!found) throw new Error(`vscode bench: no activation times for ${id}`);
  return found;
}

/** The activation of median total (the upper one of an even count), with its parts. */
function medianByTotal(samples: ActivationTimes[]): ActivationTimes {
  const sorted = [...samples].sort((a, b) => a.total - b.total);
  return sorted[Math.floor(sorted.length / 2)];
}

// ---------------------------------------------------------------- agent and helper extensions

/**
 * An extension that does nothing, activated by the same event as Instar Sessions (its view shown
 * at start): in the same burst of the host's start, it pays the same waits VS Code counts in
 * "load code" (the extension host turns over between its start and the require).
 * With `bare`, the counterpart of the Sessions view and of Go to Session… instead (the curve's
 * rows): a tree view in an activity bar container of its own ("VS Bench Bare") of as many plain
 * rows as count.json says at activation ("bare-<i>, Idle"); an event file renamed into events/
 * (as a hook writes one: {"session_id": "<i>", "hook_event_name": …}) sets row i's state and
 * fires onDidChangeTreeData for that row alone; vsbench.pick (Ctrl+Alt+Shift+Y) shows a QuickPick
 * of the same items; the file "activated" is written once it is active.
 */
export async function writeEmptyExtension(dir: string, bare = false): Promise<string> {
  await mkdir(dir, { recursive: true });
  const contributes = {
    viewsContainers: { activitybar: [{ id: 'vsbench', title: BARE_TAB, icon: 'bare.svg' }] },
    views: { vsbench: [{ id: 'vsbench.bare', name: 'Bare Tree' }] },
    commands: [{ command: 'vsbench.pick', title: 'VS Bench: Bare Pick' }],
    keybindings: [{ command: 'vsbench.pick', key: BARE_PICK_KEY }],
  };
  const manifest = { name: 'vsbench-empty', publisher: 'vsbench', version: '0.0.1', engines: { vscode: '^1.90.0' }, main: './main.js', activationEvents: ['onView:instar.sessions', 'onStartupFinished'], ...(bare ? { contributes } : {}) };
  await writeFile(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  if (!bare) {
    await writeFile(join(dir, 'main.js'), 'exports.activate = function () {};\nexports.deactivate = function () {};\n');
    return dir;
  }
  await writeFile(join(dir, 'bare.svg'), '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><rect x="4" y="4" width="16" height="16"/></svg>');
  await writeFile(
    join(dir, 'main.js'),
    `const vscode = require('vscode');
const fs = require('fs');
const path = require('path');
exports.activate = function (context) {
  const count = JSON.parse(fs.readFileSync(path.join(context.extensionPath, 'count.json'), 'utf8'));
  const items = Array.from({ length: count }, (_, index) => ({ index, state: 'Idle' }));
  const changed = new vscode.EventEmitter();
  const provider = {
    onDidChangeTreeData: changed.event,
    getChildren: (element) => (element ? [] : items),
    getTreeItem: (item) => new vscode.TreeItem('bare-' + item.index + ', ' + item.state),
  };
  context.subscriptions.push(vscode.window.createTreeView('vsbench.bare', { treeDataProvider: provider }));
  const events = path.join(context.extensionPath, 'events');
  fs.mkdirSync(events, { recursive: true });
  const watcher = fs.watch(events, (type, file) => {
    if (!file || file.startsWith('.') || !file.endsWith('.json')) return;
    fs.readFile(path.join(events, file), 'utf8', (error, text) => {
      if (error) return;
      const event = JSON.parse(text);
      const item = items[Number(event.session_id)];
      if (!item) return;
      item.state = event.hook_event_name === 'Stop' ? 'Idle' : 'Running';
      changed.fire(item);
    });
  });
  context.subscriptions.push({ dispose: () => watcher.close() });
  context.subscriptions.push(vscode.commands.registerCommand('vsbench.pick', () => {
    const pick = vscode.window.createQuickPick();
    pick.placeholder = count + ' items';
    pick.matchOnDescription = true;
    pick.items = items.map((item) => ({ label: '$(circle-outline) bare-' + item.index, description: item.state }));
    pick.onDidHide(() => pick.dispose());
    pick.show();
  }));
  fs.writeFileSync(path.join(context.extensionPath, 'activated'), String(Date.now()));
};
exports.deactivate = function () {};
`,
  );
  return dir;
}

/**
 * An extension activated only by its command, which shows the workbench's own "Developer:
 * Startup Performance" document (its Extension Activation Stats table, from the extension
 * host's activationTimes), writes its text to a file and closes it.
 */
async function writeProbeExtension(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'package.json'),
    JSON.stringify(
      {
        name: 'vsbench-probe',
        publisher: 'vsbench',
        version: '0.0.1',
        engines: { vscode: '^1.90.0' },
        main: './main.js',
        activationEvents: [],
        contributes: { commands: [{ command: 'vsbench.readActivation', title: PROBE_COMMAND }] },
      },
      null,
      2,
    ),
  );
  await writeFile(
    join(dir, 'main.js'),
    `const vscode = require('vscode');
const fs = require('fs');
const path = require('path');
exports.activate = function (context) {
  context.subscriptions.push(vscode.commands.registerCommand('vsbench.readActivation', async function () {
    const wanted = JSON.parse(fs.readFileSync(path.join(context.extensionPath, 'wanted.json'), 'utf8'));
    // The document's provider is registered once its editor has been shown.
    await vscode.commands.executeCommand('perfview.show');
    const uri = vscode.Uri.from({ scheme: 'perf', path: 'Startup Performance' });
    const document = await vscode.workspace.openTextDocument(uri);
    // The document says "Loading..." first, then is rewritten as the workbench learns more.
    const complete = () => {
      const text = document.getText();
      const at = text.indexOf('Extension Activation Stats');
      return at >= 0 && wanted.every((id) => text.slice(at).split('\\n').some((line) => line.includes('| ' + id + ' ') || line.includes('|' + id + '|')));
    };
    const deadline = Date.now() + 60000;
    while (!complete() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    // The extension host's own marks around each require (VS Code's load code also counts a
    // turn of the host before it), and what Instar Sessions says of the load after activation.
    const marks = (globalThis.MonacoPerformanceMarks?.getMarks() ?? []).filter((mark) => mark.name.includes('LoadExtensionCode/'));
    const requires = {};
    for (const id of wanted) {
      const will = marks.filter((mark) => mark.name.endsWith('/willLoadExtensionCode/' + id)).pop();
      const did = marks.filter((mark) => mark.name.endsWith('/didLoadExtensionCode/' + id)).pop();
      if (will && did) requires[id] = did.startTime - will.startTime;
    }
    const instar = vscode.extensions.getExtension('instar.instar-sessions');
    if (instar?.isActive) await instar.exports.ready;
    const extra = { requires, loading: instar?.exports?.loading };
    fs.writeFileSync(path.join(context.extensionPath, 'extra.json'), JSON.stringify(extra));
    const file = path.join(context.extensionPath, 'activation.md');
    fs.writeFileSync(file + '.tmp', document.getText());
    fs.renameSync(file + '.tmp', file);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  }));
};
`,
  );
  return dir;
}

/** Runs the probe's command and parses the activation times of `ids` from what it wrote. */
async function readActivation(page: Page, probe: string, ids: string[]): Promise<Map<string, ActivationTimes>> {
  const file = join(probe, 'activation.md');
  await rm(file, { force: true });
  await writeFile(join(probe, 'wanted.json'), JSON.stringify(ids));
  await runCommand(page, PROBE_COMMAND);
  const text = await waitFor('the probe to write the activation times', () => readFile(file, 'utf8').catch(() => undefined), 90_000, 100);
  const times = parseActivationTable(text);
  for (const id of ids) if (!times.has(id)) throw new Error(`no activation line for ${id} in the Startup Performance document:\n${text.slice(0, 3000)}`);
  const extra = JSON.parse(await readFile(join(probe, 'extra.json'), 'utf8')) as { requires: Record<string, number>; loading?: { loadedMs: number; requireMs: number } };
  for (const [id, found] of times) {
    found.requireMs = extra.requires[id];
    if (id === EXTENSION_ID) found.loading = extra.loading;
  }
  return times;
}

/** The "Extension Activation Stats" table: Extension | Eager | Load Code | Call Activate | Finish Activate | Event | By. */
export function parseActivationTable(text: string): Map<string, ActivationTimes> {
  const times = new Map<string, ActivationTimes>();
  const at = text.indexOf('Extension Activation Stats');
  if (at < 0) return times;
  for (const line of text.slice(at).split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    if (cells.length < 7) continue;
    const [id, , load, call, finish, event] = cells.slice(1);
    const numbers = [load, call, finish].map(Number);
    if (!id || numbers.some((value) => !Number.isFinite(value) || value < 0)) continue;
    times.set(id, { loadCode: numbers[0], callActivate: numbers[1], finishActivate: numbers[2], total: numbers[0] + numbers[1] + numbers[2], event: event ?? '' });
  }
  return times;
}

// ---------------------------------------------------------------- the HTTP API

export async function callApi<T>(api: InstarConfig, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`http://127.0.0.1:${api.port}${path}`, {
    method,
    headers: { Authorization: `Bearer ${api.token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

export function eventsDirOf(report: string, sessionId: string): string | undefined {
  try {
    for (const line of readFileSync(report, 'utf8').split('\n')) {
      // "<id> <events folder> <instar command>" (the folder holds no space: the bench's temporary folder).
      const [id, dir] = line.split(' ');
      if (id === sessionId && dir) return dir;
    }
  } catch {
    // Not written yet.
  }
  return undefined;
}

// ---------------------------------------------------------------- hook event → row repainted

/**
 * Run in the page (as text: the bench is not type-checked against the DOM): `vsbenchArm(prefix)`
 * sets `vsbenchSeen` to a promise of when a tree row whose aria-label starts with `prefix` is
 * first in the DOM, and when the frame that draws it has been painted (wall-clock ms).
 */
export const ROW_WATCH = `(() => {
  const now = () => performance.timeOrigin + performance.now();
  window.vsbenchArm = (prefix) => {
    const selector = '.monaco-list-row[aria-label^=' + JSON.stringify(prefix) + ']';
    const name = prefix.slice(0, prefix.indexOf(', ') + 2);
    const anyRow = document.querySelector('.monaco-list-row[aria-label^=' + JSON.stringify(name) + ']');
    const scope = (anyRow && anyRow.closest('.monaco-list')) || document.body;
    window.vsbenchSeen = new Promise((resolve) => {
      let done = false;
      const check = () => {
        if (done || !document.querySelector(selector)) return;
        done = true;
        observer.disconnect();
        const changed = now();
        // rAF callbacks run just before the frame's paint; a task queued from there runs after it.
        requestAnimationFrame(() => setTimeout(() => resolve({ changed, painted: now() }), 0));
      };
      const observer = new MutationObserver(check);
      observer.observe(scope, { subtree: true, childList: true, attributes: true, attributeFilter: ['aria-label'] });
      check();
    });
  };
})()`;

export async function eventToRow(page: Page, dir: string, sessionId: string, name: string, event: string, state: string): Promise<{ changed: number; painted: number }> {
  await page.evaluate(`window.vsbenchArm(${JSON.stringify(`${name}, ${state}`)})`);
  const start = await writeHookEvent(dir, sessionId, { hook_event_name: event });
  const seen = (await page.evaluate('window.vsbenchSeen')) as { changed: number; painted: number };
  return { changed: seen.changed - start, painted: seen.painted - start };
}

// ---------------------------------------------------------------- the extension host's CPU

/** The newest extension host of the code-server on `port` (a process under the one listening there). */
async function extensionHost(port: number): Promise<number> {
  return waitFor(
    `the extension host of the code-server on port ${port}`,
    () => {
      const processes = new Map<number, { parent: number; start: number; cmdline: string }>();
      for (const entry of readdirSync('/proc')) {
        if (!/^\d+$/.test(entry)) continue;
        try {
          const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
          const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
          const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
          processes.set(Number(entry), { parent: Number(fields[1]), start: Number(fields[19]), cmdline });
        } catch {
          // Gone meanwhile.
        }
      }
      const underServer = (pid: number): boolean => {
        for (let at = processes.get(pid), hops = 0; at && hops < 20; at = processes.get(at.parent), hops += 1) {
          if (at.cmdline.includes(`127.0.0.1:${port} `)) return true;
        }
        return false;
      };
      const hosts = [...processes].filter(([pid, info]) => /--type=extensionHost\b/.test(info.cmdline) && underServer(pid));
      hosts.sort((a, b) => b[1].start - a[1].start);
      return hosts[0]?.[0];
    },
    60_000,
    200,
  );
}

/** CPU time of a process in ns: its threads' run time (exact) and that of the children it reaped. */
function cpuNs(pid: number): { own: number; children: number } {
  let ns = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // A thread that ended meanwhile.
    }
  }
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // cutime + cstime (fields 16 and 17 of stat), in clock ticks of 10 ms.
  return { own: ns, children: (Number(fields[13]) + Number(fields[14])) * 10_000_000 };
}

/**
 * The extension host's CPU over `seconds`, found again and measured again when the process taken
 * for it ends meanwhile (a short-lived process of the same type can be the newest for a moment).
 */
async function hostCpu(port: number, seconds: number): Promise<{ pid: number; cpu: { total: number; children: number } }> {
  for (let attempt = 1; ; attempt += 1) {
    const pid = await extensionHost(port);
    try {
      return { pid, cpu: await cpuPercent(pid, seconds) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt === 3) throw error;
    }
  }
}

/** % of one core over `seconds`: in all, and the part of the child processes it reaped (tmux clients…). */
async function cpuPercent(pid: number, seconds: number): Promise<{ total: number; children: number }> {
  const before = cpuNs(pid);
  const started = performance.now();
  await delay(seconds * 1000);
  const after = cpuNs(pid);
  const elapsedNs = (performance.now() - started) * 1e6;
  const own = Math.max(0, after.own - before.own);
  const children = Math.max(0, after.children - before.children);
  return { total: ((own + children) / elapsedNs) * 100, children: (children / elapsedNs) * 100 };
}
