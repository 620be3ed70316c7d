/**
 * Sessions in git worktrees through the engine, on real git repositories made by the tests and
 * real tmux: the agents are a small stand-in that runs its prompt as a shell command in its
 * folder (where Claude Code would edit files) and then waits, so what each session changed is
 * known exactly.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isInstarError } from '../../src/core/util/errors';
import { Harness, startHarness } from '../support/engineHarness';
import { git, initRepo } from '../support/gitRepo';
import { tmuxSessionsNamed } from '../support/tmuxServer';
import { waitFor, waitForStatus } from '../support/wait';

const TMP = realpathSync(mkdtempSync(join(tmpdir(), 'instar-worktree-sessions-')));
const savedEnv = { GIT_CONFIG_GLOBAL: process.env.GIT_CONFIG_GLOBAL, GIT_CONFIG_NOSYSTEM: process.env.GIT_CONFIG_NOSYSTEM };

let repos = 0;
const makeRepo = (): string => initRepo(join(TMP, `repo-${++repos}`), { 'shared.txt': 'one\ntwo\nthree\n', '.gitignore': '.env\n' });

const rejects = (promise: Promise<unknown>, code: string, pattern: RegExp) =>
  assert.rejects(promise, (error: unknown) => {
    assert.ok(isInstarError(error), `expected an InstarError ${code}, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    assert.match(error.message, pattern);
    return true;
  });

describe('sessions in worktrees of their own', () => {
  let h: Harness;
  let worktreeRoot: string;

  before(async () => {
    writeFileSync(join(TMP, 'gitconfig'), '');
    process.env.GIT_CONFIG_GLOBAL = join(TMP, 'gitconfig');
    process.env.GIT_CONFIG_NOSYSTEM = '1';
    // The agent: runs its prompt as a shell command where it was started, says so, and waits.
    const agent = join(TMP, 'edit-agent');
    writeFileSync(agent, '#!/bin/sh\nsh -c "$1" && echo AGENT-DONE\nexec sleep 100000\n');
    chmodSync(agent, 0o755);
    worktreeRoot = join(TMP, 'worktrees');
    h = await startHarness('worktrees', { agentCommand: agent, worktreeRoot });
  });
  after(async () => {
    await h.dispose();
    for (const [name, value] of Object.entries(savedEnv)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    rmSync(TMP, { recursive: true, force: true });
  });

  const done = (name: string) => waitFor(`${name} to run its prompt`, async () => /AGENT-DONE/.test(await h.engine.output(name, { lines: 20 }).catch(() => '')), 30_000);

  it('runs three sessions side by side that edit one file differently: the main tree stays clean, each review shows its own change, merges report the conflict and lose nothing', async () => {
    const repo = makeRepo();
    const edits = { 'wt-a': 's/two/two from a/', 'wt-b': 's/two/two from b/', 'wt-c': 's/three/three from c/' };
    const spawned = await Promise.all(Object.entries(edits).map(([name, edit]) => h.engine.spawn({ name, prompt: `sed -i '${edit}' shared.txt`, cwd: repo, worktree: true })));
    for (const record of spawned) {
      assert.equal(record.worktree?.branch, `instar/${record.name}`);
      assert.equal(record.worktree?.path, join(worktreeRoot, record.name));
      assert.equal(record.cwd, record.worktree?.path, 'the agent runs in its worktree');
      assert.equal(record.worktree?.repoRoot, repo);
      assert.equal(record.worktree?.base, 'main');
    }
    for (const name of Object.keys(edits)) await done(name);
    assert.equal(git(repo, 'status', '--porcelain'), '', 'the main tree is untouched');
    assert.equal(readFileSync(join(repo, 'shared.txt'), 'utf8'), 'one\ntwo\nthree\n');
    for (const name of Object.keys(edits)) {
      const review = await h.engine.worktrees.review(name);
      assert.deepEqual(review.files.map((file) => [file.path, file.status, file.added, file.removed]), [['shared.txt', 'modified', 1, 1]], name);
      const { record } = await waitForStatus(h.engine, name, (current) => current.worktreeChanges?.files === 1, 30_000);
      assert.deepEqual([record.worktreeChanges?.added, record.worktreeChanges?.removed], [1, 1], `${name}'s counts in its record`);
    }
    assert.match(readFileSync(join(worktreeRoot, 'wt-a', 'shared.txt'), 'utf8'), /two from a/);

    for (const name of Object.keys(edits)) await h.engine.kill(name);
    await rejects(h.engine.worktrees.merge('wt-a'), 'worktree-uncommitted', /uncommitted/);
    assert.ok(await h.engine.worktrees.commit('wt-a'));
    assert.equal((await h.engine.worktrees.merge('wt-a')).kind, 'fast-forward');
    assert.match(readFileSync(join(repo, 'shared.txt'), 'utf8'), /two from a/);
    await h.engine.worktrees.commit('wt-b');
    const conflict = await h.engine.worktrees.merge('wt-b');
    assert.equal(conflict.kind, 'conflict');
    assert.deepEqual(conflict.conflicts, ['shared.txt']);
    const merging = readFileSync(join(repo, 'shared.txt'), 'utf8');
    assert.match(merging, /<<<<<<<[\s\S]*two from a[\s\S]*=======[\s\S]*two from b[\s\S]*>>>>>>>/, 'both sides are in the file for the merge editor');
    assert.deepEqual(git(repo, 'branch', '--format=%(refname:short)').split('\n').filter(Boolean).sort(), ['instar/wt-a', 'instar/wt-b', 'instar/wt-c', 'main'], 'nothing lost');
    git(repo, 'merge', '--abort');
  });

  it('refuses a branch checked out elsewhere and a folder outside a repository, leaving nothing; says when the main tree had uncommitted changes', async () => {
    const repo = makeRepo();
    await rejects(h.engine.spawn({ name: 'wt-busy', prompt: 'true', cwd: repo, worktree: 'main' }), 'branch-in-use', /main/);
    assert.equal(h.engine.get('wt-busy'), undefined);
    assert.equal(existsSync(join(worktreeRoot, 'wt-busy')), false);
    const plain = join(TMP, 'plain');
    mkdirSync(plain);
    await rejects(h.engine.spawn({ name: 'wt-plain', prompt: 'true', cwd: plain, worktree: true }), 'not-a-repository', /not in a git repository/);
    assert.equal(h.engine.get('wt-plain'), undefined);
    await rejects(h.engine.spawn({ name: 'wt-odd', prompt: 'true', cwd: repo, worktree: 42 as unknown as boolean }), 'invalid-input', /worktree must be true/);
    assert.equal(await h.engine.worktrees.repository(plain), undefined);

    writeFileSync(join(repo, 'shared.txt'), 'changed in the main tree\n');
    const record = await h.engine.spawn({ name: 'wt-dirty', prompt: 'cat shared.txt > seen.txt', cwd: repo, worktree: true });
    assert.match(record.statusDetail ?? '', /from HEAD \(the main tree has uncommitted changes/);
    await done('wt-dirty');
    assert.equal(readFileSync(join(record.worktree!.path, 'seen.txt'), 'utf8'), 'one\ntwo\nthree\n', 'the worktree started from HEAD');
    await h.engine.kill('wt-dirty');
  });

  it('copies the set-up files and runs the set-up command before the agent; a failing set-up is an error with its output and starts no agent', async () => {
    const repo = makeRepo();
    writeFileSync(join(repo, '.env'), 'SECRET=1\n');
    writeFileSync(join(repo, '.env.local'), 'LOCAL=1\n');
    writeFileSync(join(repo, 'notes.txt'), 'not a set-up file\n');
    h.engine.configure({ worktreeSetup: { files: ['.env*'], mode: 'copy', command: 'printf "set up by %s\\n" "$INSTAR_BRANCH" > from-setup.txt' } });
    const record = await h.engine.spawn({ name: 'wt-setup', prompt: 'cp from-setup.txt agent-saw.txt', cwd: repo, worktree: true });
    await done('wt-setup');
    const tree = record.worktree!.path;
    assert.equal(readFileSync(join(tree, '.env'), 'utf8'), 'SECRET=1\n');
    assert.equal(readFileSync(join(tree, '.env.local'), 'utf8'), 'LOCAL=1\n');
    assert.equal(existsSync(join(tree, 'notes.txt')), false);
    assert.equal(readFileSync(join(tree, 'agent-saw.txt'), 'utf8'), 'set up by instar/wt-setup\n', 'the set-up ran first');
    assert.deepEqual([...(h.engine.get('wt-setup')?.worktree?.setupFiles ?? [])].sort(), ['.env', '.env.local']);
    const review = await h.engine.worktrees.review('wt-setup');
    assert.deepEqual(review.files.map((file) => file.path).sort(), ['agent-saw.txt', 'from-setup.txt'], 'set-up files are not the session\'s work');
    await h.engine.kill('wt-setup');

    h.engine.configure({ worktreeSetup: { files: [], mode: 'copy', command: 'echo installing; echo "broken dependency" >&2; exit 3' } });
    await rejects(h.engine.spawn({ name: 'wt-broken', prompt: 'echo never', cwd: repo, worktree: true }), 'setup-failed', /exited with status 3[\s\S]*broken dependency/);
    const broken = h.engine.get('wt-broken')!;
    assert.equal(broken.status, 'error');
    assert.equal(broken.statusDetail, 'set-up failed: exit status 3');
    assert.ok(broken.endedAt !== undefined);
    assert.match(await h.engine.output('wt-broken'), /installing[\s\S]*broken dependency/, 'its output is the set-up command\'s');
    assert.deepEqual(tmuxSessionsNamed(h.socket, 'wt-broken'), [], 'no agent started');
    assert.ok(existsSync(broken.worktree!.path), 'the worktree is kept to look into');
    h.engine.configure({ worktreeSetup: { files: [], mode: 'copy' } });
  });

  it('keeps a removed session\'s worktree unless asked, and discards only what would lose nothing without a confirmation', async () => {
    const repo = makeRepo();
    await h.engine.spawn({ name: 'wt-keep', prompt: 'echo kept > work.txt', cwd: repo, worktree: true });
    await h.engine.spawn({ name: 'wt-drop', prompt: 'echo dropped > work.txt', cwd: repo, worktree: true });
    await done('wt-keep');
    await done('wt-drop');
    const kept = h.engine.get('wt-keep')!.worktree!;
    await h.engine.kill('wt-keep');
    await h.engine.remove('wt-keep');
    assert.ok(existsSync(join(kept.path, 'work.txt')), 'removing the session kept its worktree');
    assert.match(git(repo, 'branch', '--list', 'instar/wt-keep'), /instar\/wt-keep/);

    await rejects(h.engine.worktrees.discard('wt-drop'), 'session-live', /kill it before/);
    await h.engine.kill('wt-drop');
    const loss = await h.engine.worktrees.loss('wt-drop');
    assert.deepEqual(loss.uncommitted, ['work.txt']);
    await rejects(h.engine.remove('wt-drop', { discardWorktree: true }), 'worktree-has-work', /work\.txt/);
    assert.ok(h.engine.get('wt-drop'), 'a refused discard removes nothing');
    await h.engine.remove('wt-drop', { discardWorktree: true, force: true });
    assert.equal(h.engine.get('wt-drop'), undefined);
    assert.equal(existsSync(join(worktreeRoot, 'wt-drop')), false);
    assert.equal(git(repo, 'branch', '--list', 'instar/wt-drop'), '');
    assert.deepEqual((await h.engine.worktrees.kept()).map((entry) => entry.name), ['wt-keep'], 'a discarded worktree is not kept');
  });

  it("a kept worktree stays reachable after its session is gone: every window lists it, it is reviewed, merged and discarded by the session's name", async () => {
    const repo = makeRepo();
    await h.engine.spawn({ name: 'wt-later', prompt: "sed -i 's/one/one from later/' shared.txt", cwd: repo, worktree: true });
    await done('wt-later');
    await h.engine.kill('wt-later');
    await h.engine.remove('wt-later');
    assert.equal(h.engine.get('wt-later'), undefined);
    const kept = (await h.engine.worktrees.kept()).find((entry) => entry.name === 'wt-later');
    assert.ok(kept, 'listed as kept');
    assert.equal(kept.worktree.branch, 'instar/wt-later');
    // Another window of the workspace (a reload, a second engine) reads the same list.
    await h.restart();
    assert.deepEqual((await h.engine.worktrees.kept()).filter((entry) => entry.name === 'wt-later').map((entry) => entry.worktree.path), [kept.worktree.path]);
    const review = await h.engine.worktrees.review('wt-later');
    assert.deepEqual(review.files.map((file) => [file.path, file.added, file.removed]), [['shared.txt', 1, 1]]);
    assert.match((await h.engine.worktrees.fileAt('wt-later', review.mergeBase, 'shared.txt'))?.toString() ?? '', /^one\n/);
    assert.ok(await h.engine.worktrees.commit('wt-later'), 'its uncommitted change committed on its branch');
    assert.equal(await h.engine.worktrees.commit('wt-later'), undefined, 'nothing left to commit');
    const merged = await h.engine.worktrees.merge('wt-later');
    assert.equal(merged.kind, 'fast-forward');
    assert.match(readFileSync(join(repo, 'shared.txt'), 'utf8'), /one from later/, 'merged into the main tree');
    assert.deepEqual((await h.engine.worktrees.loss('wt-later')).commits, [], 'all of it is in the base now');
    await h.engine.worktrees.discard('wt-later');
    assert.equal(existsSync(kept.worktree.path), false);
    assert.equal((await h.engine.worktrees.kept()).some((entry) => entry.name === 'wt-later'), false, 'no longer kept');
    await rejects(h.engine.worktrees.review('wt-later'), 'not-found', /no session named "wt-later"/);
  });
});
