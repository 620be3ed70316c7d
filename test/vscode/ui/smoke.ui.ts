/**
 * A UI check of the mechanism: the workbench loads with the extension (from the repository, no
 * test payload), its activity bar entry is there, "View: Toggle Terminal" runs from the command
 * palette, a command typed in that terminal answers, and a screenshot lands in test-results/.
 *
 *   node out/vscode/ui/smoke.ui.js [--trust trusted|untrusted]
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot, toolchain } from '../toolchain';
import { Workbench } from '../workbench';
import { runCommand, screenshot, STEP_TIMEOUT, typeInTerminal, waitForTerminalText, waitForWorkbench } from './workbenchUi';

async function check(workbench: Workbench, repo: string): Promise<void> {
  const { page } = workbench;
  await waitForWorkbench(page);

  const title = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).contributes.viewsContainers.activitybar[0].title as string;
  await page.locator(`.part.activitybar [aria-label^="${title}"]`).first().waitFor({ state: 'visible', timeout: STEP_TIMEOUT });
  console.log(`  ✔ the workbench loaded, with "${title}" in the activity bar`);

  await runCommand(page, 'View: Toggle Terminal');
  await waitForTerminalText(page, (text) => text.trim().length > 0);
  // The shell's answer, not the typed line: the marker only appears once expanded.
  await typeInTerminal(page, 'echo "instar-$((6 * 7))-ok"');
  await waitForTerminalText(page, (text) => text.includes('instar-42-ok'));
  console.log('  ✔ "View: Toggle Terminal" ran from the command palette; its shell answered');

  const path = await screenshot(page, 'vscode-ui-smoke');
  assert.ok(statSync(path).size > 10_000, `${path} is too small to be a screenshot of the workbench`);
  console.log(`  ✔ screenshot: ${path}`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { trust: { type: 'string', default: 'trusted' }, timeout: { type: 'string', default: '180' } } });
  if (values.trust !== 'trusted' && values.trust !== 'untrusted') throw new Error('--trust is trusted or untrusted');
  const repo = repoRoot();
  const started = Date.now();
  const scratch = mkdtempSync(join(tmpdir(), 'instar-vscode-ui-'));
  const folder = join(scratch, 'workspace');
  mkdirSync(folder);
  writeFileSync(join(folder, 'README.md'), '# A scratch workspace for the UI check\n');
  const socket = `instar-vscode-ui-${process.pid}`;

  console.log('UI check: the workbench in headless Chromium');
  let workbench: Workbench | undefined;
  let failed = false;
  const interrupt = new Promise<never>((_, reject) => {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => reject(new Error(`interrupted (${signal})`)));
  });
  const deadline = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${values.timeout} s`)), Number(values.timeout) * 1000).unref());
  try {
    workbench = await Workbench.open({
      tools: toolchain(repo),
      scratch: join(scratch, 'vscode'),
      trust: values.trust,
      settings: { 'instar.tmux.socket': socket },
      log: (line) => process.env.INSTAR_VSCODE_VERBOSE && console.log(`[code-server] ${line}`),
      folder,
      extensionDevelopmentPath: repo,
    });
    workbench.page.on('pageerror', (error) => console.log(`[browser] page error: ${error.message}`));
    await Promise.race([check(workbench, repo), interrupt, deadline]);
  } catch (error) {
    failed = true;
    console.error(`  ✘ ${(error as Error).stack ?? String(error)}`);
    if (workbench) {
      const path = await screenshot(workbench.page, 'vscode-ui-smoke-failure').catch(() => undefined);
      if (path) console.error(`  screenshot at the failure: ${path}`);
    }
  }
  const peak = workbench?.peakMemory() ?? 0;
  await workbench?.close().catch((error) => {
    failed = true;
    console.error(`clean-up failed: ${(error as Error).message}`);
  });
  try {
    execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore', timeout: 5000 });
  } catch {
    // The extension started no tmux server.
  }
  if (!failed) rmSync(scratch, { recursive: true, force: true });
  else console.error(`scratch folder kept (user data and logs): ${scratch}`);
  console.log(`[ui] ${failed ? 'failed' : 'passed'} in ${((Date.now() - started) / 1000).toFixed(1)} s, peak memory ${Math.round(peak / 2 ** 20)} MiB (code-server + Chromium, PSS)`);
  process.exit(failed ? 1 : 0);
}

void main();
