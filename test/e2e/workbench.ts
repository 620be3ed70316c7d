/** What the UI tests share: the workbench settings, the palette, quick inputs and the Sessions view. */
import type { Page } from 'playwright-core';
import { waitFor } from '../support/wait';

/** Settings that keep the workbench quiet and its terminals readable from the page. */
export const WORKBENCH_SETTINGS: Record<string, unknown> = {
  'terminal.integrated.gpuAcceleration': 'off',
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'security.workspace.trust.startupPrompt': 'never',
  'security.workspace.trust.untrustedFiles': 'newWindow',
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  // VS Code's own setting, which the extension's first start follows too.
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
};

/** Runs a command from the palette; opened again if something took the focus from it (a terminal opening). */
export async function runCommand(page: Page, title: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  for (let attempt = 1; ; attempt += 1) {
    try {
      await page.keyboard.press('F1');
      await input.waitFor({ timeout: 10_000 });
      await input.fill(`>${title}`, { timeout: 5000 });
      await page.locator('.quick-input-list .monaco-list-row').filter({ hasText: title.split(': ').pop()! }).first().waitFor({ timeout: 10_000 });
      await page.keyboard.press('Enter');
      return;
    } catch (error) {
      if (attempt === 3) throw error;
      await page.keyboard.press('Escape');
    }
  }
}

/** The title of the quick input on screen ('' when none). */
export async function quickInputTitle(page: Page): Promise<string> {
  return (await page.locator('.quick-input-widget .quick-input-title').textContent().catch(() => '')) ?? '';
}

/** Answers one step of a quick input, whose title matches `title`; null keeps what is there. */
export async function quickInput(page: Page, title: RegExp, text: string | null): Promise<void> {
  await waitFor(`the quick input step ${title}`, async () => title.test(await quickInputTitle(page)), 15_000, 100);
  if (text !== null) await page.locator('.quick-input-widget input').fill(text);
  else await page.waitForTimeout(100);
  await page.keyboard.press('Enter');
}

/** A row of the Sessions view, by the start of its accessible label ("name, State"). */
export function sessionRow(page: Page, labelStart: string) {
  return page.locator(`.monaco-list-row[aria-label^="${labelStart}"]`);
}
