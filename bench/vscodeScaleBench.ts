/**
 * The curve inside a real VS Code (issue 24): at each count of quiet hooked sessions (10, 100,
 * 1,000), the Sessions view's first paint, a row's repaint after a hook event, and Go to Session…
 * opening with every session listed, each beside the same in a bare extension of the same number
 * of rows or items (the empty comparison extension's tree view and QuickPick), in the same window
 * at the same moment. The harness is vscodeBench's (code-server, headless Chromium).
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { readInstarConfig } from '../src/core/http/instarConfig';
import { delay } from '../src/core/util/delay';
import { runCommand } from '../test/e2e/workbench';
import { waitFor } from '../test/support/wait';
import { BARE_TAB, BenchWindow, callApi, EVENT_GAP_MS, eventsDirOf, eventToRow, RELOAD_PAUSE_MS, ROW_WATCH, spawnQuietSessions, step, STEP_MS, withBenchWindow, writeEmptyExtension } from './vscodeBench';

export interface VsCodeScaleSizes {
  /** The live session counts, ascending. */
  counts: number[];
  /** Reloads at each count, each timing both trees' first paint (in alternating order). */
  reloads: number;
  /** Hook events (and bare row changes) at each count, alternating running and idle: an even number. */
  events: number;
  /** Go to Session… and the bare QuickPick opened at each count, in turn. */
  picks: number;
  /** How long the window is left after a reload before a first paint is timed. */
  settleMs: number;
}

/** One side's samples at one count, in ms. */
export interface VsCodeScaleSide {
  /** From the click on the view's activity bar tab to the frame that draws its first rows. */
  paint: number[];
  /** The rows drawn in that first frame, and how many the list says it holds (aria-setsize). */
  paintRows: number;
  paintSetSize: number;
  /** From the rename of the event file to the frame that draws the row in its new state. */
  repaint: number[];
  /** From the keybinding's keydown to the frame that draws the QuickPick's first items. */
  pick: number[];
  /** The items the QuickPick says it holds (aria-setsize of its rows). */
  pickSetSize: number;
}

export interface VsCodeScalePoint {
  count: number;
  /** ms to spawn the sessions that brought the count up (POST /sessions/batch, 50 a request) until all were idle. */
  spawnMs: number;
  ours: VsCodeScaleSide;
  bare: VsCodeScaleSide;
}

const OURS = { tab: 'Instar Sessions', row: 'vsc-', key: 'Control+Alt+KeyS' };
const BARE = { tab: BARE_TAB, row: 'bare-', key: 'Control+Alt+Shift+KeyY' };
type Side = typeof OURS;

/**
 * Run in the page: `vsbenchFrameArm(selector, text)` sets `vsbenchFrame` to a promise of the time
 * from the next pointerdown or keydown (the user's click or key) to the frame that draws a
 * visible element of `selector` holding `text` (ms), with the rows of its list then drawn and the
 * size its list gives (aria-setsize).
 */
const FRAME_WATCH = `(() => {
  const now = () => performance.timeOrigin + performance.now();
  window.vsbenchFrameArm = (selector, text) => {
    window.vsbenchFrame = new Promise((resolve) => {
      let start;
      const found = () => [...document.querySelectorAll(selector)].filter((row) => row.offsetParent !== null && ((row.getAttribute('aria-label') || '').includes(text) || row.textContent.includes(text)));
      const check = () => {
        if (start === undefined) return;
        const rows = found();
        if (rows.length === 0) return;
        observer.disconnect();
        const drawn = now();
        const setSize = Number(rows[0].getAttribute('aria-setsize'));
        requestAnimationFrame(() => setTimeout(() => resolve({ drawn: drawn - start, painted: now() - start, rows: rows.length, setSize }), 0));
      };
      const began = () => {
        if (start !== undefined) return;
        start = now();
        check();
      };
      window.addEventListener('pointerdown', began, { capture: true, once: true });
      window.addEventListener('keydown', began, { capture: true, once: true });
      const observer = new MutationObserver(check);
      observer.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['aria-label', 'class', 'style'] });
    });
  };
})()`;

interface Frame {
  drawn: number;
  painted: number;
  rows: number;
  setSize: number;
}

async function armFrame(page: Page, selector: string, text: string): Promise<void> {
  await page.evaluate(FRAME_WATCH);
  await page.evaluate(`window.vsbenchFrameArm(${JSON.stringify(selector)}, ${JSON.stringify(text)})`);
}

const tab = (page: Page, side: Side) => page.locator(`.activitybar [aria-label^="${side.tab}"]`).first();

/** A click on the side's activity bar tab (its container not yet shown in this page) until its tree's first rows are drawn. */
async function firstPaint(page: Page, side: Side): Promise<Frame> {
  await armFrame(page, '.monaco-list-row[aria-label]', side.row);
  await tab(page, side).click();
  return (await page.evaluate('window.vsbenchFrame')) as Frame;
}

/** The side's QuickPick by its keybinding until its first items are drawn; then closed. */
async function openPick(page: Page, side: Side): Promise<Frame> {
  await armFrame(page, '.quick-input-list .monaco-list-row', side.row);
  await page.keyboard.press(side.key);
  const frame = (await page.evaluate('window.vsbenchFrame')) as Frame;
  await page.keyboard.press('Escape');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: STEP_MS });
  return frame;
}

/** A reload whose side bar shows the Explorer, until both extensions are active (ours with all `count` sessions known). */
async function reload(window: BenchWindow, bareDir: string, count: number): Promise<void> {
  const { page, folder } = window;
  await runCommand(page, 'View: Show Explorer');
  await page.locator('.explorer-folders-view, .explorer-viewlet').first().waitFor({ timeout: STEP_MS });
  const before = (await readInstarConfig(folder))?.port;
  await rm(join(bareDir, 'activated'), { force: true });
  await page.reload();
  await page.locator('.monaco-workbench').waitFor({ timeout: STEP_MS });
  await tab(page, OURS).waitFor({ timeout: STEP_MS });
  await waitFor('the bare extension active', () => readFile(join(bareDir, 'activated'), 'utf8').catch(() => undefined), STEP_MS, 100);
  window.api = await waitFor(
    `the reloaded extension's API with ${count} sessions`,
    async () => {
      const api = await readInstarConfig(folder);
      if (!api || api.port === before) return undefined;
      const sessions = await callApi<unknown[]>(api, 'GET', '/sessions').catch(() => []);
      return sessions.length === count ? api : undefined;
    },
    STEP_MS,
    100,
  );
}

export async function measureVsCodeScale(repo: string, sizes: VsCodeScaleSizes, log: (line: string) => void = () => undefined): Promise<VsCodeScalePoint[]> {
  let bareDir = '';
  const addExtensions = async (extensions: string) => {
    bareDir = await writeEmptyExtension(join(extensions, 'bare'), true);
    await writeFile(join(bareDir, 'count.json'), '0');
  };
  return withBenchWindow(repo, 'vscode-scale-bench', addExtensions, async (window) => {
    const { page, folder, report } = window;
    const bareEvents = join(bareDir, 'events');
    await mkdir(bareEvents, { recursive: true });
    window.api = await step('reading the API config', () => waitFor('.instar/config.json', () => readInstarConfig(folder), STEP_MS, 100));
    const points: VsCodeScalePoint[] = [];
    let spawned = 0;
    for (const count of sizes.counts) {
      const label = `in VS Code, ${count} sessions:`;
      log(`${label} spawning ${count - spawned} quiet sessions…`);
      const api = window.api;
      const names = Array.from({ length: count - spawned }, (_, i) => `vsc-${spawned + i}`);
      const spawnStart = performance.now();
      const { ids, newest } = await step(`spawning up to ${count} sessions`, () => spawnQuietSessions(api, names, count), 10 * 60_000 + count * 1000);
      const spawnMs = performance.now() - spawnStart;
      spawned = count;
      window.target = newest;
      const eventsDir = await step('reading where the hook events go', () => waitFor('the agent report', () => eventsDirOf(report, ids.get(newest)!), STEP_MS, 100));
      await writeFile(join(bareDir, 'count.json'), String(count));
      // Workspace state is written a little after the last change (see vscodeBench's reloads).
      await delay(RELOAD_PAUSE_MS);

      const sides = new Map<Side, VsCodeScaleSide>([OURS, BARE].map((side) => [side, { paint: [], paintRows: 0, paintSetSize: 0, repaint: [], pick: [], pickSetSize: 0 }]));
      for (let i = 0; i < sizes.reloads; i += 1) {
        log(`${label} reload ${i + 1} of ${sizes.reloads}, each tree's first paint…`);
        await step(`reload ${i + 1} with ${count} sessions`, () => reload(window, bareDir, count));
        await delay(sizes.settleMs);
        for (const side of i % 2 === 0 ? [OURS, BARE] : [BARE, OURS]) {
          const frame = await step(`the first paint of ${side.tab} with ${count} rows`, () => firstPaint(page, side));
          const figures = sides.get(side)!;
          figures.paint.push(frame.painted);
          figures.paintRows = frame.rows;
          figures.paintSetSize = frame.setSize;
        }
      }

      log(`${label} ${sizes.events} row changes each…`);
      await page.evaluate(ROW_WATCH);
      for (const [side, dir, id, name] of [
        [OURS, eventsDir, ids.get(newest)!, newest],
        [BARE, bareEvents, '0', 'bare-0'],
      ] as const) {
        await tab(page, side).click();
        await page.locator(`.monaco-list-row[aria-label^="${name}, Idle"]`).first().waitFor({ timeout: STEP_MS });
        for (let i = 0; i < sizes.events; i += 1) {
          const [event, state] = i % 2 === 0 ? ['UserPromptSubmit', 'Running'] : ['Stop', 'Idle'];
          const sample = await step(`${side.tab}: event ${i + 1} of ${sizes.events} (${state} row) with ${count} rows`, () => eventToRow(page, dir, id, name, event, state), 60_000);
          sides.get(side)!.repaint.push(sample.painted);
          // VS Code delays a tree refresh that follows another within 200 ms.
          await delay(EVENT_GAP_MS + Math.random() * EVENT_GAP_MS);
        }
      }

      log(`${label} ${sizes.picks} QuickPicks each…`);
      for (let i = 0; i < sizes.picks; i += 1) {
        for (const side of i % 2 === 0 ? [OURS, BARE] : [BARE, OURS]) {
          const frame = await step(`${side === OURS ? 'Go to Session…' : 'the bare QuickPick'} with ${count} items`, () => openPick(page, side));
          const figures = sides.get(side)!;
          figures.pick.push(frame.painted);
          figures.pickSetSize = frame.setSize;
          await delay(EVENT_GAP_MS);
        }
      }
      const ours = sides.get(OURS)!;
      const bare = sides.get(BARE)!;
      for (const [what, side] of [
        ['Go to Session…', ours],
        ['the bare QuickPick', bare],
      ] as const) {
        if (side.pickSetSize !== count) throw new Error(`vscode scale bench: ${what} listed ${side.pickSetSize} items, not ${count}`);
      }
      points.push({ count, spawnMs, ours, bare });
    }
    return points;
  });
}
