/**
 * The benchmark with tiny sizes, so it cannot rot: every row runs and reports finite figures.
 * Timings are not asserted (machines are noisy); `npm run bench` is the measurement.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatTable, runBench } from '../../bench/bench';
import { REPO } from '../support/engineHarness';

describe('benchmark smoke run', () => {
  it('runs every row and reports finite figures against a baseline', async () => {
    const result = await runBench({ smoke: true, repo: REPO });
    const names = result.rows.map((row) => row.name);
    for (const expected of [/^Spawn/, /vs bare list-panes/, /vs per-session probing/, /Status latency p50/, /Status latency p95/, /Terminal throughput/, /Keystroke round trip/, /^Start with/, /^Heap growth/, /quiet sessions without hooks/, /^Monitor CPU/, /^Notification p95/, /^Curve: refresh of \d+ sessions/, /^Curve: start with \d+ sessions/, /^Curve: hook event → change event p95 at/, /^Curve: a wait answered p95 at \d+ sessions, every one waited on/, /^Growth .*: a wait answered/, /^Growth [\d,]+ → [\d,]+ sessions: refresh/, /^Growth .*: start/, /^Growth .*: spawn/, /^Growth .*: heap/, /^Growth .*: state folder/, /^Growth .*: monitor CPU/, /^Growth .*: hook event/, /^Start with [\d,]+ live and [\d,]+ ended sessions/, /spawned at once/, /^Spawn → prompt at the API, Codex/, /^Hook event → change event p95, Codex/, /^Spawn → prompt at the API, Gemini CLI/, /^Hook event → change event p95, Gemini CLI/, /^Resume/, /^Agent processes left/, /^State change → wait answered/, /^State change → event-stream client/, /^Batch of \d+ spawns/, /^Spawn through the MCP tool vs through the instar command/, /^Sibling.s change → the MCP wait tool returns p95/, /^Spawn in a worktree of a [\d,]+-file repository vs bare git worktree add/, /^Keeper CPU/, /^Keeper resident memory/, /^Hand-over gap p95, a leading window → the keeper/, /^Hand-over gap p95, the keeper killed → a window/, /^Job start lateness p95, the keeper with no window/, /^Job start lateness p95, a window's engine host/, /^Refresh with 3 workspaces/, /^Keepers' resident memory/, /^API call p95 through the shared port \(4040\), the workspace of the host/, /^API call p95 through the shared port \(4040\), a workspace of another host/, /^The skill.s curl p95 through the shared port/, /^Usage update latency p95 \(answer appended/, /^Usage update latency p95 \(status line written/, /^Usage's added cost at a start/, /^Host memory growth of a start/, /^Activation in VS Code/, /tree row repainted in VS Code p50/, /tree row repainted in VS Code p95/, /^Extension host CPU in VS Code/, /^Curve in VS Code: the Sessions view's first paint with \d+ sessions vs a bare tree/, /^Curve in VS Code: a row's repaint p50 at \d+ sessions/, /^Curve in VS Code: Go to Session… with \d+ sessions vs a bare QuickPick/, /^Growth [\d,]+ → [\d,]+ sessions in VS Code: the Sessions view's first paint/, /^Growth .* in VS Code: a row's repaint/, /^Growth .* in VS Code: Go to Session…/, /^Sessions view vs engine during mixed use, longest/, /^Sessions view vs engine during mixed use, disagreement p95/]) {
      assert.ok(names.some((name) => expected.test(name)), `a row matching ${expected}`);
    }
    for (const row of result.rows) {
      // A growth measured with no forced GC (node --test runs without --expose-gc) can come out below
      // zero: the collector ran in between and freed more than the sessions took.
      const deltaWithoutGc = /growth/i.test(row.name) && typeof (globalThis as { gc?: unknown }).gc !== 'function';
      assert.ok(Number.isFinite(row.ours) && (row.ours >= 0 || deltaWithoutGc), `${row.name}: ours ${row.ours}`);
      assert.ok(Number.isFinite(row.baseline) && row.baseline > 0, `${row.name}: baseline ${row.baseline}`);
      assert.ok(Number.isFinite(row.ratio), `${row.name}: ratio ${row.ratio}`);
    }
    const table = formatTable(result);
    assert.match(table, /\| row +\| ours/);
    console.log(table);
  });
});
