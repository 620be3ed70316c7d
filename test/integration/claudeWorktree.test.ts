/**
 * A real Claude Code session in a worktree of its own, with every version of the matrix: its
 * file edit (a tool call the fake Messages API sends) is in its worktree and its review, not in
 * the main tree, until it is merged. Claude Code takes a worktree of a repository it trusts as
 * trusted (no trust dialog for the new folder, in every version tested).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ClaudeRig, startClaudeRig } from '../support/claudeRig';
import { claudesUnderTest } from '../support/claudeVersions';
import { initRepo } from '../support/gitRepo';
import { waitForStatus } from '../support/wait';


for (const { label, binary } of claudesUnderTest()) {
  describe(`a real Claude Code session in a worktree (${label})`, () => {
    let rig: ClaudeRig;
    before(async () => {
      rig = await startClaudeRig('claudetree', binary, 500);
      initRepo(rig.cwd);
    });
    after(() => rig.dispose());

    it('edits its own worktree, shows the edit in its review, and lands it in main only when merged', async () => {
      const waits: string[] = [];
      rig.h.engine.onDidChange(({ changed }) => {
        for (const current of changed) if (current.name === 'tree-claude' && current.status === 'waiting') waits.push(current.statusDetail ?? '');
      });
      const spawned = await rig.h.engine.spawn({ name: 'tree-claude', prompt: 'Please EDIT-A-FILE', cwd: rig.cwd, worktree: true });
      const tree = spawned.worktree!.path;
      const { record } = await waitForStatus(rig.h.engine, 'tree-claude', (current) => current.status === 'idle' && (current.turns ?? 0) >= 1, 90_000);
      assert.equal(record.statusSignal, 'hook');
      assert.deepEqual(waits, [], 'Claude Code trusts a worktree of a repository it trusts: no dialog');
      assert.equal(readFileSync(join(tree, 'notes.txt'), 'utf8'), 'first line\nedited by claude\n');
      assert.equal(readFileSync(join(rig.cwd, 'notes.txt'), 'utf8'), 'first line\n', 'the main tree is untouched');
      const review = await rig.h.engine.worktrees.review('tree-claude');
      assert.deepEqual(review.files.map((file) => [file.path, file.status, file.added, file.removed]), [['notes.txt', 'modified', 1, 0]]);
      await waitForStatus(rig.h.engine, 'tree-claude', (current) => current.worktreeChanges?.added === 1, 30_000);
      await rig.h.engine.kill('tree-claude');
      await rig.h.engine.worktrees.commit('tree-claude');
      assert.equal((await rig.h.engine.worktrees.merge('tree-claude')).kind, 'fast-forward');
      assert.equal(readFileSync(join(rig.cwd, 'notes.txt'), 'utf8'), 'first line\nedited by claude\n');
    });
  });
}
