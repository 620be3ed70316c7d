/**
 * The Sessions view over ten minutes of mixed use in code-server (see soak.ts): no row may
 * disagree with the engine for more than 3 s (a failure bound for a noisy 2-core machine; the
 * benchmark's target is 1 s). Prints the longest disagreement and the p95, and what the
 * extension logged of rows it found stale. INSTAR_SOAK_MS shortens it for a local try.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO } from '../support/engineHarness';
import { openSoakWindow, soak, SoakWindow } from './soak';

const SOAK_MS = Number(process.env.INSTAR_SOAK_MS ?? 10.5 * 60_000);
const SHOTS = join(REPO, 'test-results');

describe('the Sessions view through ten minutes of mixed use (code-server)', () => {
  let window: SoakWindow;

  before(async () => {
    await mkdir(SHOTS, { recursive: true });
    window = await openSoakWindow(REPO, (line) => console.log(line));
  });

  after(() => window?.dispose());

  it(`no row disagrees with the engine for more than 3 s (${Math.round(SOAK_MS / 60_000)} minutes, a comparison every 250 ms)`, { timeout: SOAK_MS + 10 * 60_000 }, async () => {
    const started = performance.now();
    const result = await soak(window, { durationMs: SOAK_MS, seed: Number(process.env.INSTAR_SOAK_SEED ?? 31) });
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
    await window.page.screenshot({ path: join(SHOTS, 'soak-end.png') }).catch(() => undefined);
    // The extension's log, for whoever reads a failure (the workspace goes with the test).
    await writeFile(join(SHOTS, 'soak-extension.log'), await window.log().catch(() => '')).catch(() => undefined);
    assert.ok(result.samples >= (SOAK_MS / 250) * 0.5, `the comparisons kept up: ${result.samples}`);
    for (const kind of ['spawn (API)', 'spawn (palette)', 'follow-up (API)', 'follow-up (palette)', 'follow-up (terminal)', 'remove', 'show output', 'group by state', 'flat list']) {
      assert.ok((result.actions[kind]?.ok ?? 0) > 0 || SOAK_MS < 5 * 60_000, `the mix had ${kind}: ${JSON.stringify(result.actions)}`);
    }
    assert.ok(result.longestMs <= 3000, `the longest disagreement lasted ${result.longestMs} ms: ${JSON.stringify(worst[0])}`);
  });
});
