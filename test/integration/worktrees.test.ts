/**
 * Session worktrees on real git repositories, made by the tests in fresh temporary folders and
 * removed after, each with its own user.name and user.email, no global or system git
 * configuration, and no network. The tests assert the states git is left in, never timings.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Git, GitError } from '../../src/core/git/git';
import { summarize } from '../../src/core/git/worktreeChanges';
import { CreatedWorktree, SessionWorktree, Worktrees } from '../../src/core/git/worktrees';
import { SetupCommandError } from '../../src/core/git/worktreeSetup';
import { ExecaRunner } from '../../src/core/util/commandRunner';
import { InstarError, isInstarError } from '../../src/core/util/errors';
import { Logger, silentLogger } from '../../src/core/util/host';

const TMP = realpathSync(mkdtempSync(join(tmpdir(), 'instar-worktrees-')));
const savedEnv = { GIT_CONFIG_GLOBAL: process.env.GIT_CONFIG_GLOBAL, GIT_CONFIG_NOSYSTEM: process.env.GIT_CONFIG_NOSYSTEM };

/** Git for the tests' own set-up and checks, beside the code under test. */
const git = (cwd: string, ...args: string[]): string => execFileSync('git', ['-C', cwd, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const lines = (text: string): string[] => text.split('\n').filter(Boolean).sort();
const branches = (repo: string) => lines(git(repo, 'branch', '--format=%(refname:short)'));
const registered = (repo: string) => lines(git(repo, 'worktree', 'list', '--porcelain')).filter((line) => line.startsWith('worktree '));
const write = (file: string, text: string) => {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
};
const numbered = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix} ${i + 1}\n`).join('');

let repoCount = 0;
/** A repository on branch main with one commit of `files`. */
function makeRepo(files: Record<string, string> = { 'shared.txt': numbered('line', 10), 'readme.md': '# demo\n' }): string {
  const repo = join(TMP, `repo-${++repoCount}`);
  mkdirSync(repo);
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'config', 'user.name', 'Instar Test');
  git(repo, 'config', 'user.email', 'test@instar.invalid');
  for (const [path, text] of Object.entries(files)) write(join(repo, path), text);
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'start');
  return repo;
}

const makeWorktrees = (label: string, logger: Logger = silentLogger) =>
  new Worktrees({ git: new Git({ runner: new ExecaRunner(), logger }), root: join(TMP, `worktrees ${label}`) });

const rejects = (promise: Promise<unknown>, code: InstarError['code'], pattern: RegExp) =>
  assert.rejects(promise, (error: unknown) => {
    assert.ok(isInstarError(error, code), `expected ${code}, got ${String(error)}`);
    assert.match((error as Error).message, pattern);
    return true;
  });

before(() => {
  // Only the repositories' own configuration counts: no user's hooks, signing or aliases.
  writeFileSync(join(TMP, 'gitconfig'), '');
  process.env.GIT_CONFIG_GLOBAL = join(TMP, 'gitconfig');
  process.env.GIT_CONFIG_NOSYSTEM = '1';
});
after(() => {
  for (const [name, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  rmSync(TMP, { recursive: true, force: true });
});

describe('three sessions in worktrees of one repository', () => {
  const worktrees = makeWorktrees('three');
  let repo: string;
  let alpha: CreatedWorktree;
  let beta: CreatedWorktree;
  let gamma: CreatedWorktree;

  before(async () => {
    repo = makeRepo();
    const started = performance.now();
    [alpha, beta, gamma] = await Promise.all(['alpha', 'beta', 'gamma'].map((name) => worktrees.create({ cwd: repo, name })));
    console.log(`worktrees: three created in ${Math.round(performance.now() - started)} ms`);
    // alpha commits its edit of line 1; beta edits line 1 otherwise and adds a file, uncommitted; gamma edits line 5 and renames the readme, uncommitted.
    write(join(alpha.path, 'shared.txt'), numbered('line', 10).replace('line 1\n', 'alpha 1\n'));
    git(alpha.path, 'commit', '-q', '-am', 'alpha edits line 1');
    write(join(beta.path, 'shared.txt'), numbered('line', 10).replace('line 1\n', 'beta 1\n'));
    write(join(beta.path, 'beta-notes.txt'), 'note 1\nnote 2');
    write(join(gamma.path, 'shared.txt'), numbered('line', 10).replace('line 5\n', 'gamma 5\n'));
    git(gamma.path, 'mv', 'readme.md', 'README.md');
  });

  it('makes each worktree on its own instar/<name> branch from main, under the root, and leaves the main tree clean', () => {
    assert.deepEqual(
      [alpha, beta, gamma].map(({ path, branch, base, ownsBranch, mainTreeDirty }) => ({ path, branch, base, ownsBranch, mainTreeDirty })),
      ['alpha', 'beta', 'gamma'].map((name) => ({ path: join(worktrees.root, name), branch: `instar/${name}`, base: 'main', ownsBranch: true, mainTreeDirty: false })),
    );
    assert.equal(alpha.baseCommit, git(repo, 'rev-parse', 'HEAD').trim());
    assert.equal(alpha.repoRoot, repo);
    assert.equal(git(repo, 'status', '--porcelain'), '', 'the main tree stays clean');
    assert.deepEqual(branches(repo), ['instar/alpha', 'instar/beta', 'instar/gamma', 'main']);
  });

  it('reviews exactly each session\'s own changes, committed, uncommitted and untracked, with their line counts', async () => {
    const started = performance.now();
    const [a, b, c] = await Promise.all([alpha, beta, gamma].map((worktree) => worktrees.review(worktree)));
    console.log(`worktrees: three reviews in ${Math.round(performance.now() - started)} ms`);
    assert.equal(a.mergeBase, alpha.baseCommit);
    assert.deepEqual(a.files, [{ path: 'shared.txt', status: 'modified', added: 1, removed: 1, binary: false, untracked: false }]);
    assert.deepEqual(b.files, [
      { path: 'shared.txt', status: 'modified', added: 1, removed: 1, binary: false, untracked: false },
      { path: 'beta-notes.txt', status: 'added', added: 2, removed: 0, binary: false, untracked: true },
    ]);
    assert.deepEqual(c.files, [
      { path: 'README.md', status: 'renamed', oldPath: 'readme.md', added: 0, removed: 0, binary: false, untracked: false },
      { path: 'shared.txt', status: 'modified', added: 1, removed: 1, binary: false, untracked: false },
    ]);
  });

  it('counts for a tree row what the review lists', async () => {
    for (const worktree of [alpha, beta, gamma]) assert.deepEqual(await worktrees.changes(worktree), summarize((await worktrees.review(worktree)).files));
    assert.deepEqual(await worktrees.changes(beta), { files: 2, added: 3, removed: 1 });
  });

  it('shows a file at the merge-base, and nothing for a file that was not there', async () => {
    const { mergeBase } = await worktrees.review(alpha);
    assert.equal((await worktrees.show(repo, mergeBase, 'shared.txt'))?.toString('utf8'), numbered('line', 10));
    assert.equal(await worktrees.show(repo, mergeBase, 'beta-notes.txt'), undefined);
    await rejects(worktrees.show(repo, 'no-such-commit', 'shared.txt'), 'unknown-ref', /names no commit/);
  });

  it('fast-forwards main to the first session\'s branch', async () => {
    const result = await worktrees.merge(alpha);
    assert.deepEqual(result, { kind: 'fast-forward', commit: git(repo, 'rev-parse', 'instar/alpha').trim() });
    assert.equal(git(repo, 'rev-parse', 'main').trim(), result.commit);
    assert.match(readFileSync(join(repo, 'shared.txt'), 'utf8'), /^alpha 1\n/);
    assert.deepEqual(await worktrees.merge(alpha), { kind: 'up-to-date', commit: result.commit }, 'merging again changes nothing');
  });

  it('keeps reviewing only gamma\'s changes after main moved on with alpha\'s', async () => {
    const review = await worktrees.review(gamma);
    assert.equal(review.mergeBase, gamma.baseCommit);
    assert.deepEqual(review.files.map((file) => file.path), ['README.md', 'shared.txt']);
  });

  it('refuses to merge a worktree with uncommitted changes, naming them; commitAll commits them, untracked included', async () => {
    const mainBefore = git(repo, 'rev-parse', 'main');
    await rejects(worktrees.merge(beta), 'worktree-uncommitted', /instar\/beta has uncommitted changes \((shared\.txt, beta-notes\.txt|beta-notes\.txt, shared\.txt)\): commit them first/);
    assert.equal(git(repo, 'rev-parse', 'main'), mainBefore, 'nothing merged');
    const commit = await worktrees.commitAll(beta, 'beta: line 1 and notes');
    assert.equal(commit, git(beta.path, 'rev-parse', 'HEAD').trim());
    assert.equal(git(beta.path, 'status', '--porcelain'), '');
    assert.deepEqual(lines(git(beta.path, 'show', '--name-only', '--format=', 'HEAD')), ['beta-notes.txt', 'shared.txt']);
    assert.equal(await worktrees.commitAll(beta, 'nothing'), undefined, 'nothing left to commit');
  });

  it('reports the conflict of the second merge and leaves the main tree merging, with both sides and nothing lost', async () => {
    const result = await worktrees.merge(beta);
    assert.deepEqual(result, { kind: 'conflict', conflicts: ['shared.txt'] });
    assert.equal(git(repo, 'rev-parse', 'MERGE_HEAD').trim(), git(repo, 'rev-parse', 'instar/beta').trim());
    const merged = readFileSync(join(repo, 'shared.txt'), 'utf8');
    assert.match(merged, /<<<<<<< HEAD\nalpha 1\n=======\nbeta 1\n>>>>>>> instar\/beta\n/);
    assert.deepEqual(branches(repo), ['instar/alpha', 'instar/beta', 'instar/gamma', 'main']);
    assert.equal(registered(repo).length, 4);
    assert.equal(readFileSync(join(beta.path, 'beta-notes.txt'), 'utf8'), 'note 1\nnote 2');
    await rejects(worktrees.merge(gamma), 'worktree-uncommitted', /uncommitted/);
    git(gamma.path, 'commit', '-q', '-am', 'gamma');
    await rejects(worktrees.merge(gamma), 'merge-refused', /in the middle of a merge: conclude it .* or abort it \(git merge --abort\)/);
    git(repo, 'merge', '--abort');
  });

  it('refuses to merge while the main tree is on another branch, naming both', async () => {
    git(repo, 'checkout', '-q', '-b', 'elsewhere');
    try {
      await rejects(worktrees.merge(gamma), 'merge-refused', /The main tree \(.*\) is on elsewhere, not on main: check out main there \(git checkout main\)/);
    } finally {
      git(repo, 'checkout', '-q', 'main');
    }
  });

  it('passes on git\'s refusal when the main tree\'s local changes are in the way, touching nothing', async () => {
    const before = git(repo, 'rev-parse', 'HEAD');
    write(join(repo, 'shared.txt'), 'local work\n');
    await rejects(worktrees.merge(gamma), 'merge-refused', /Your local changes to the following files would be overwritten by merge: shared\.txt/);
    assert.equal(readFileSync(join(repo, 'shared.txt'), 'utf8'), 'local work\n');
    assert.equal(git(repo, 'rev-parse', 'HEAD'), before);
    assert.throws(() => git(repo, 'rev-parse', '--verify', '-q', 'MERGE_HEAD'));
    git(repo, 'checkout', '-q', '--', 'shared.txt');
    assert.equal((await worktrees.merge(gamma)).kind, 'merge-commit');
    assert.equal(git(repo, 'log', '-1', '--format=%s').trim(), "Merge branch 'instar/gamma' into main");
  });

  it('lists the repository\'s worktrees with their branches', async () => {
    const [main, ...others] = (await worktrees.list(repo)).map((entry) => [entry.path, entry.branch]);
    assert.deepEqual(
      [main, ...others.sort()],
      [
        [repo, 'main'],
        [alpha.path, 'instar/alpha'],
        [beta.path, 'instar/beta'],
        [gamma.path, 'instar/gamma'],
      ],
    );
  });
});

describe('creating a worktree', () => {
  const worktrees = makeWorktrees('create');
  let repo: string;
  const snapshot = () => ({ branches: branches(repo), registered: registered(repo), folders: existsSync(worktrees.root) ? lines(execFileSync('ls', ['-A', worktrees.root], { encoding: 'utf8' })) : [] });

  before(async () => {
    repo = makeRepo({ 'app.txt': 'v1\n', 'sub/inner.txt': 'inner\n' });
    git(repo, 'tag', 'v1');
    write(join(repo, 'app.txt'), 'v2\n');
    git(repo, 'commit', '-q', '-am', 'v2');
    git(repo, 'branch', 'feature', 'v1');
    await worktrees.create({ cwd: repo, name: 'first' });
  });

  it('refuses a branch checked out elsewhere, naming the worktree that has it, and creates nothing', async () => {
    const before = snapshot();
    await rejects(worktrees.create({ cwd: repo, name: 'second', branch: 'main' }), 'branch-in-use', new RegExp(`The branch main is already checked out in the worktree ${repo}:`));
    await rejects(worktrees.create({ cwd: repo, name: 'second', branch: 'instar/first' }), 'branch-in-use', /checked out in the worktree .*worktrees create\/first/);
    assert.deepEqual(snapshot(), before);
    assert.equal(existsSync(join(worktrees.root, 'second')), false);
  });

  it('refuses an existing instar/<name>, a folder that exists, an unknown base and unsafe names, creating nothing', async () => {
    const before = snapshot();
    git(repo, 'branch', 'instar/leftover');
    await rejects(worktrees.create({ cwd: repo, name: 'leftover' }), 'name-taken', /The branch instar\/leftover already exists .*git branch -D instar\/leftover/);
    mkdirSync(join(worktrees.root, 'occupied'));
    await rejects(worktrees.create({ cwd: repo, name: 'occupied' }), 'name-taken', /The folder .*occupied already exists/);
    await rejects(worktrees.create({ cwd: repo, name: 'third', base: 'no-such-branch' }), 'unknown-ref', /The base "no-such-branch" names no commit/);
    await rejects(worktrees.create({ cwd: repo, name: 'third', base: '--upload-pack=x' }), 'invalid-input', /not a usable ref/);
    for (const name of ['', 'Upper', 'a b', '../up', 'a/b', '-x', 'x'.repeat(65)]) await rejects(worktrees.create({ cwd: repo, name }), 'invalid-input', /lower-case letters/);
    await rejects(worktrees.create({ cwd: repo, name: 'third', branch: 'bad..name' }), 'invalid-input', /not a valid branch name/);
    const inside = new Worktrees({ git: worktrees.git, root: join(repo, 'sessions') });
    await rejects(inside.create({ cwd: repo, name: 'third' }), 'invalid-input', /would be inside the repository .*: give a worktree root outside it/);
    git(repo, 'branch', '-D', 'instar/leftover');
    rmSync(join(worktrees.root, 'occupied'), { recursive: true });
    assert.deepEqual(snapshot(), before);
  });

  it('undoes the branch, the folder and the registration when git fails half way (a failing post-checkout hook)', async () => {
    const before = snapshot();
    const hook = join(repo, '.git', 'hooks', 'post-checkout');
    write(hook, '#!/bin/sh\necho "hook says no" >&2\nexit 3\n');
    chmodSync(hook, 0o755);
    try {
      await rejects(worktrees.create({ cwd: repo, name: 'hooked' }), 'git-failed', /hook says no/);
    } finally {
      rmSync(hook);
    }
    assert.deepEqual(snapshot(), before);
  });

  it('starts from HEAD when the main tree has uncommitted changes, and says so', async () => {
    write(join(repo, 'app.txt'), 'uncommitted\n');
    write(join(repo, 'scratch.txt'), 'untracked\n');
    try {
      const created = await worktrees.create({ cwd: repo, name: 'dirty' });
      assert.equal(created.mainTreeDirty, true);
      assert.equal(readFileSync(join(created.path, 'app.txt'), 'utf8'), 'v2\n');
      assert.equal(existsSync(join(created.path, 'scratch.txt')), false);
      assert.equal(readFileSync(join(repo, 'app.txt'), 'utf8'), 'uncommitted\n', 'the main tree keeps its changes');
    } finally {
      git(repo, 'checkout', '-q', '--', 'app.txt');
      rmSync(join(repo, 'scratch.txt'));
    }
  });

  it('starts from a given base, checks out an existing free branch without owning it, and makes a named new one', async () => {
    const fromTag = await worktrees.create({ cwd: repo, name: 'from-tag', base: 'v1' });
    assert.deepEqual([fromTag.base, fromTag.baseCommit, fromTag.branch], ['v1', git(repo, 'rev-parse', 'v1^{commit}').trim(), 'instar/from-tag']);
    assert.equal(readFileSync(join(fromTag.path, 'app.txt'), 'utf8'), 'v1\n');
    const onFeature = await worktrees.create({ cwd: repo, name: 'on-feature', branch: 'feature' });
    assert.deepEqual([onFeature.branch, onFeature.ownsBranch, onFeature.base], ['feature', false, 'main']);
    assert.equal(git(onFeature.path, 'symbolic-ref', '--short', 'HEAD').trim(), 'feature');
    await worktrees.discard(onFeature);
    assert.ok(branches(repo).includes('feature'), 'discarding leaves a branch the session did not make');
    const named = await worktrees.create({ cwd: repo, name: 'named', branch: 'topic/new' });
    assert.deepEqual([named.branch, named.ownsBranch], ['topic/new', true]);
    await worktrees.discard(named);
    assert.equal(branches(repo).includes('topic/new'), false);
  });

  it('starts a session made from a subfolder in the same subfolder of the worktree', async () => {
    const created = await worktrees.create({ cwd: join(repo, 'sub'), name: 'from-sub' });
    assert.equal(created.cwd, join(created.path, 'sub'));
    assert.equal(readFileSync(join(created.cwd, 'inner.txt'), 'utf8'), 'inner\n');
  });
});

describe('set-up files and the set-up command', () => {
  const worktrees = makeWorktrees('setup');
  let repo: string;
  let outside: string;

  before(() => {
    repo = makeRepo({ '.gitignore': '.env\n*.local.json\n', '.env.example': 'EXAMPLE=1\n', 'app.txt': 'app\n' });
    write(join(repo, '.env'), 'SECRET=ignored\n');
    write(join(repo, '.env.local'), 'LOCAL=untracked\n');
    write(join(repo, 'config', 'app.local.json'), '{"local":true}\n');
    write(join(repo, 'notes.txt'), 'not a set-up file\n');
    outside = join(TMP, 'outside-secret');
    write(outside, 'outside\n');
    symlinkSync(outside, join(repo, '.env.outside'));
  });

  const globs = ['.env*', 'config/*.local.json'];

  it('copies the ignored and untracked files that match, once, and nothing else', async () => {
    const created = await worktrees.create({ cwd: repo, name: 'copy' });
    const started = performance.now();
    const result = await worktrees.copySetupFiles(repo, created.path, globs, 'copy');
    console.log(`worktrees: set-up files copied in ${Math.round(performance.now() - started)} ms`);
    assert.deepEqual(result.copied, ['.env', '.env.local', 'config/app.local.json']);
    assert.deepEqual(result.skipped, [{ path: '.env.outside', reason: 'a link out of the repository' }]);
    assert.equal(readFileSync(join(created.path, '.env'), 'utf8'), 'SECRET=ignored\n');
    assert.equal(readFileSync(join(created.path, 'config', 'app.local.json'), 'utf8'), '{"local":true}\n');
    assert.equal(lstatSync(join(created.path, '.env')).isSymbolicLink(), false);
    assert.equal(readFileSync(join(created.path, '.env.example'), 'utf8'), 'EXAMPLE=1\n', 'the tracked example comes from the checkout');
    assert.equal(existsSync(join(created.path, 'notes.txt')), false);
    assert.equal(existsSync(join(created.path, '.env.outside')), false);
    const again = await worktrees.copySetupFiles(repo, created.path, globs, 'copy');
    assert.deepEqual(again.copied, []);
    assert.equal(again.skipped.filter((skip) => skip.reason === 'already in the worktree').length, 3, 'an existing file is never overwritten');

    const withSetup: SessionWorktree = { ...created, setupFiles: result.copied };
    assert.deepEqual((await worktrees.review(withSetup)).files, [], 'set-up files are not the session\'s work');
    assert.deepEqual(await worktrees.lossIfDiscarded(withSetup), { uncommitted: [], commits: [] });
    assert.equal(await worktrees.commitAll(withSetup, 'nothing'), undefined);
    assert.deepEqual((await worktrees.review(created)).files.map((file) => file.path), ['.env.local'], 'without the record the untracked copy would show');
  });

  it('links instead of copying in link mode', async () => {
    const created = await worktrees.create({ cwd: repo, name: 'link' });
    const result = await worktrees.copySetupFiles(repo, created.path, globs, 'link');
    assert.deepEqual(result.copied, ['.env', '.env.local', 'config/app.local.json']);
    for (const path of result.copied) {
      assert.equal(lstatSync(join(created.path, path)).isSymbolicLink(), true, path);
      assert.equal(readlinkSync(join(created.path, path)), join(repo, path));
    }
  });

  it('finds the set-up files of a 10,000-file repository with a large ignored folder through one git call', async () => {
    const big = join(TMP, 'big');
    for (let d = 0; d < 100; d += 1) mkdirSync(join(big, 'src', `d${d}`), { recursive: true });
    for (let d = 0; d < 20; d += 1) mkdirSync(join(big, 'node_modules', `p${d}`), { recursive: true });
    for (let i = 0; i < 10_000; i += 1) writeFileSync(join(big, 'src', `d${i % 100}`, `f${i}.ts`), 'x\n');
    for (let i = 0; i < 2_000; i += 1) writeFileSync(join(big, 'node_modules', `p${i % 20}`, `f${i}.js`), 'x\n');
    write(join(big, '.gitignore'), 'node_modules/\n.env\n');
    git(big, 'init', '-q', '-b', 'main');
    git(big, 'config', 'user.name', 'Instar Test');
    git(big, 'config', 'user.email', 'test@instar.invalid');
    git(big, 'add', '-A');
    git(big, 'commit', '-q', '-m', 'big');
    write(join(big, '.env'), 'BIG=1\n');
    const target = join(TMP, 'big-target');
    mkdirSync(target);
    const traced: string[] = [];
    const tracedGit = new Git({ runner: new ExecaRunner(), logger: { ...silentLogger, trace: (line) => traced.push(line) } });
    const started = performance.now();
    const result = await new Worktrees({ git: tracedGit, root: join(TMP, 'worktrees big') }).copySetupFiles(big, target, globs, 'copy');
    console.log(`worktrees: set-up files of a 10,000-file repository found in ${Math.round(performance.now() - started)} ms`);
    assert.deepEqual(result, { copied: ['.env'], skipped: [] });
    assert.equal(traced.length, 1, `one git call: ${traced.join('; ')}`);
    assert.equal(readFileSync(join(target, '.env'), 'utf8'), 'BIG=1\n');
  });

  it('refuses globs that are pathspec magic, absolute or climb out', async () => {
    const created = await worktrees.create({ cwd: repo, name: 'globs' });
    for (const glob of [':(top)x', '/etc/passwd', '../x', 'a/../../b']) await rejects(worktrees.copySetupFiles(repo, created.path, [glob], 'copy'), 'invalid-input', /not a usable set-up file pattern/);
  });

  it('runs the set-up command in the worktree with its variables, the command passed whole to /bin/sh', async () => {
    const created = await worktrees.create({ cwd: repo, name: 'command' });
    const command = 'printf "%s|%s|%s|%s|%s" "$PWD" "$INSTAR_WORKTREE" "$INSTAR_REPOSITORY" "$INSTAR_BRANCH" "$EXTRA" > ran.txt; echo "set up; done"';
    const result = await worktrees.runSetup(created, command, { timeoutMs: 10_000, env: { EXTRA: 'given' } });
    assert.equal(result.output, 'set up; done\n');
    assert.equal(readFileSync(join(created.path, 'ran.txt'), 'utf8'), [created.path, created.path, repo, 'instar/command', 'given'].join('|'));
  });

  it('throws setup-failed with the exit status and the end of the output when the command fails or runs too long', async () => {
    const created = await worktrees.create({ cwd: repo, name: 'failing' });
    await assert.rejects(worktrees.runSetup(created, `echo building; head -c 6000 /dev/zero | tr '\\0' x; echo; echo "broken here" >&2; exit 7`, { timeoutMs: 10_000 }), (error: unknown) => {
      assert.ok(error instanceof SetupCommandError && error.code === 'setup-failed', String(error));
      assert.equal(error.exitCode, 7);
      assert.equal(error.timedOut, false);
      assert.ok(error.output.length <= 4097, `output kept to its end (${error.output.length})`);
      assert.match(error.output, /^…x+\nbroken here\n$/);
      assert.match(error.message, /exited with status 7 in .*failing\. Its last output:\n…x+\nbroken here/);
      return true;
    });
    // exec: the shell's own children would keep its output open past the time-out (see the report on ExecaRunner).
    await assert.rejects(worktrees.runSetup(created, 'echo waiting; exec sleep 30', { timeoutMs: 300 }), (error: unknown) => {
      assert.ok(error instanceof SetupCommandError && error.timedOut, String(error));
      assert.match(error.message, /"echo waiting; exec sleep 30" did not finish within 300 ms in .*failing and was stopped\. Its last output:\nwaiting\n/);
      return true;
    });
  });
});

describe('discarding a worktree', () => {
  const worktrees = makeWorktrees('discard');
  let repo: string;
  const gone = (worktree: SessionWorktree) => {
    assert.equal(existsSync(worktree.path), false, 'the folder is gone');
    assert.equal(branches(repo).includes(worktree.branch), false, 'the branch is gone');
    assert.equal(registered(repo).some((line) => line.endsWith(worktree.path)), false, 'the registration is gone');
  };

  /** A commit of a new file in the worktree, as an agent would make it; its id. */
  const commitIn = (worktree: SessionWorktree, file: string, subject: string) => {
    write(join(worktree.path, file), `${file}\n`);
    git(worktree.path, 'add', '-A');
    git(worktree.path, 'commit', '-q', '-m', subject);
    return git(worktree.path, 'rev-parse', 'HEAD').trim();
  };

  before(() => {
    repo = makeRepo();
  });

  it('refuses while uncommitted files would be lost, naming the first and counting the rest', async () => {
    const created = await worktrees.create({ cwd: repo, name: 'uncommitted' });
    write(join(created.path, 'shared.txt'), 'changed\n');
    for (let i = 1; i <= 6; i += 1) write(join(created.path, `new-${i}.txt`), 'x\n');
    const loss = await worktrees.lossIfDiscarded(created);
    assert.deepEqual(loss, { uncommitted: ['shared.txt', ...[1, 2, 3, 4, 5, 6].map((i) => `new-${i}.txt`)], commits: [] });
    await rejects(worktrees.discard(created), 'worktree-has-work', /would lose 7 uncommitted files \(shared\.txt, new-1\.txt, new-2\.txt, new-3\.txt, new-4\.txt and 2 more\)/);
    assert.equal(existsSync(join(created.path, 'new-6.txt')), true, 'nothing removed');
    assert.deepEqual(await worktrees.discard(created, { force: true }), { removedWorktree: true, deletedBranch: true });
    gone(created);
    assert.deepEqual(await worktrees.discard(created, { force: true }), { removedWorktree: false, deletedBranch: false }, 'a second discard finds nothing to do');
  });

  it('refuses while commits not in the base would be lost, naming them', async () => {
    const created = await worktrees.create({ cwd: repo, name: 'committed' });
    const sha = commitIn(created, 'feature.txt', 'Add the feature');
    const loss = await worktrees.lossIfDiscarded(created);
    assert.deepEqual(loss.uncommitted, []);
    assert.deepEqual(loss.commits.map((entry) => [entry.commit, entry.subject]), [[sha, 'Add the feature']]);
    await rejects(worktrees.discard(created), 'worktree-has-work', new RegExp(`would lose 1 commit not in main \\(${sha.slice(0, 7)} Add the feature\\)`));
    assert.equal(existsSync(join(created.path, 'feature.txt')), true);
    await worktrees.discard(created, { force: true });
    gone(created);
  });

  it('discards a worktree without work, without force; also after its folder was deleted by hand', async () => {
    const clean = await worktrees.create({ cwd: repo, name: 'clean' });
    await worktrees.discard(clean);
    gone(clean);

    const byHand = await worktrees.create({ cwd: repo, name: 'by-hand' });
    rmSync(byHand.path, { recursive: true, force: true });
    assert.deepEqual(await worktrees.discard(byHand), { removedWorktree: false, deletedBranch: true });
    gone(byHand);
  });

  it('still refuses to drop unmerged commits when the folder was deleted by hand, and drops them when forced', async () => {
    const created = await worktrees.create({ cwd: repo, name: 'hand-commits' });
    commitIn(created, 'x.txt', 'Work before the folder went');
    rmSync(created.path, { recursive: true, force: true });
    await rejects(worktrees.discard(created), 'worktree-has-work', /1 commit not in main \([0-9a-f]{7} Work before the folder went\)/);
    await worktrees.discard(created, { force: true });
    gone(created);
  });
});

describe('repositories and the git program', () => {
  const worktrees = makeWorktrees('repository');

  it('describes a repository: top folder, prefix, branch, HEAD and whether the main tree is dirty', async () => {
    const repo = makeRepo({ 'sub/file.txt': 'x\n' });
    const head = git(repo, 'rev-parse', 'HEAD').trim();
    assert.deepEqual(await worktrees.repository(join(repo, 'sub')), { root: repo, prefix: 'sub/', branch: 'main', head, dirty: false });
    write(join(repo, 'untracked.txt'), 'u\n');
    assert.equal((await worktrees.repository(repo))?.dirty, true);
    git(repo, 'checkout', '-q', '--detach');
    assert.deepEqual(await worktrees.repository(repo), { root: repo, prefix: '', branch: undefined, head, dirty: true });
  });

  it('answers undefined outside a repository, in a bare one and inside .git; a repository without a commit has no head and refuses worktrees', async () => {
    const plain = join(TMP, 'plain folder');
    mkdirSync(plain);
    assert.equal(await worktrees.repository(plain), undefined);
    const bare = join(TMP, 'bare.git');
    execFileSync('git', ['init', '-q', '--bare', bare]);
    assert.equal(await worktrees.repository(bare), undefined);
    const repo = makeRepo();
    assert.equal(await worktrees.repository(join(repo, '.git')), undefined);
    const empty = join(TMP, 'empty');
    execFileSync('git', ['init', '-q', '-b', 'trunk', empty]);
    assert.deepEqual(await worktrees.repository(empty), { root: empty, prefix: '', branch: undefined, head: undefined, dirty: false });
    await rejects(worktrees.create({ cwd: empty, name: 'x' }), 'not-a-repository', /has no commit yet: make a first commit/);
    await rejects(worktrees.create({ cwd: plain, name: 'x' }), 'not-a-repository', /is not in a git repository/);
  });

  it('says git-missing, with what to do, when the git program cannot start', async () => {
    const missing = new Worktrees({ git: new Git({ runner: new ExecaRunner(), logger: silentLogger, path: '/nonexistent/instar-git' }), root: join(TMP, 'never') });
    await rejects(missing.repository(TMP), 'git-missing', /Git cannot be started \(\/nonexistent\/instar-git: ENOENT\)\. Install Git .* or set instar\.git\.path/);
  });

  it('says git-timeout, naming the command and the limit, when git does not answer in time', async () => {
    const slow = join(TMP, 'slow-git');
    write(slow, '#!/bin/sh\nexec sleep 30\n');
    chmodSync(slow, 0o755);
    const git = new Git({ runner: new ExecaRunner(), logger: silentLogger, path: slow, timeoutMs: 200 });
    await rejects(git.run(TMP, ['status']), 'git-timeout', new RegExp(`${slow} -C ${TMP} status did not finish within 200 ms and was stopped`));
  });

  it('throws a GitError with git\'s message, exit code and command line; logs each call quoted at trace level', async () => {
    const traced: string[] = [];
    const logger: Logger = { ...silentLogger, trace: (message) => traced.push(message) };
    const git = new Git({ runner: new ExecaRunner(), logger });
    const repo = makeRepo();
    const spaced = join(repo, 'a folder');
    mkdirSync(spaced);
    await assert.rejects(git.run(spaced, ['rev-parse', '--verify', 'no-such-ref']), (error: unknown) => {
      assert.ok(error instanceof GitError && error.code === 'git-failed', String(error));
      assert.equal(error.exitCode, 128);
      assert.match(error.stderr, /Needed a single revision/);
      assert.equal(error.commandLine, `git -C '${spaced}' rev-parse --verify no-such-ref`);
      assert.match(error.message, /^Needed a single revision \(git -C .* rev-parse --verify no-such-ref: exit 128\)$/);
      return true;
    });
    assert.deepEqual(traced, [`git -C '${spaced}' rev-parse --verify no-such-ref`]);
  });

  it('runs git without prompts, editors or an inherited repository, with C messages', async () => {
    const probe = join(TMP, 'env-git');
    write(probe, '#!/bin/sh\nprintf "%s|%s|%s|%s|%s" "$GIT_TERMINAL_PROMPT" "$GIT_EDITOR" "$LC_ALL" "${GIT_DIR-unset}" "$*"\n');
    chmodSync(probe, 0o755);
    process.env.GIT_DIR = '/somewhere/else/.git';
    try {
      const git = new Git({ runner: new ExecaRunner(), logger: silentLogger, path: probe });
      assert.equal(await git.run('/x y', ['status', '$(no)']), '0|true|C|unset|-C /x y status $(no)');
    } finally {
      delete process.env.GIT_DIR;
    }
  });
});
