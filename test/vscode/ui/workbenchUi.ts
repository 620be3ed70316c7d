/**
 * Driving the workbench as a user does, through Playwright: wait for it, run a command from
 * the command palette, read the terminal, save a screenshot. Every wait is on the page's state,
 * bounded by a time-out.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { repoRoot } from '../toolchain';

export const STEP_TIMEOUT = 30_000;

/** Resolves when the workbench is laid out and its extension host is up (status bar filled). */
export async function waitForWorkbench(page: Page, timeout = 60_000): Promise<void> {
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout });
  await page.locator('.monaco-workbench .part.activitybar').waitFor({ state: 'visible', timeout });
  // Remote indicator: shown once the connection to code-server's server is made.
  await page.locator('#status\\.host').waitFor({ state: 'visible', timeout });
}

/** The command palette's input, open. */
async function openPalette(page: Page): Promise<Locator> {
  const input = page.locator('.quick-input-widget .quick-input-box input');
  // F1 is the palette everywhere (Ctrl+Shift+P too, but browsers may take some chords).
  await page.keyboard.press('F1');
  await input.waitFor({ state: 'visible', timeout: STEP_TIMEOUT });
  return input;
}

/**
 * Runs a command by the label the palette shows (for example "View: Toggle Terminal"), as a
 * user does: F1, type, pick the row with exactly that label.
 */
export async function runCommand(page: Page, label: string): Promise<void> {
  const input = await openPalette(page);
  await input.fill(`>${label}`);
  const row = page
    .locator('.quick-input-widget .quick-input-list .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(label)}$`) }) })
    .first();
  await row.waitFor({ state: 'visible', timeout: STEP_TIMEOUT });
  await row.click();
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: STEP_TIMEOUT });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The text of the active terminal (needs terminal.integrated.gpuAcceleration "off"). */
export function terminalText(page: Page): Promise<string> {
  return page.locator('.terminal-wrapper.active .xterm-rows').innerText({ timeout: STEP_TIMEOUT });
}

/** Types a line into the active terminal, focusing it first, and presses Enter. */
export async function typeInTerminal(page: Page, line: string): Promise<void> {
  const terminal = page.locator('.terminal-wrapper.active .xterm');
  await terminal.click({ timeout: STEP_TIMEOUT });
  await page.locator('.terminal-wrapper.active .xterm.focus').waitFor({ state: 'attached', timeout: STEP_TIMEOUT });
  await page.keyboard.type(line);
  await page.keyboard.press('Enter');
}

/** Polls the active terminal's text until `predicate` holds; returns the text. */
export async function waitForTerminalText(page: Page, predicate: (text: string) => boolean, timeout = STEP_TIMEOUT): Promise<string> {
  const deadline = Date.now() + timeout;
  let text = '';
  for (;;) {
    text = await terminalText(page).catch(() => '');
    if (predicate(text)) return text;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeout} ms waiting for the terminal; it shows:\n${text}`);
    await page.waitForTimeout(100);
  }
}

/** Saves a PNG of the page in test-results/ (git-ignored); returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const dir = join(repoRoot(), 'test-results');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path, timeout: STEP_TIMEOUT });
  return path;
}
