/**
 * The git output parsers on outputs captured from git 2.39 (test/fixtures/git/), and on the same
 * outputs damaged: blank fields, CRLF line ends, garbage between records, a cut-off end.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gitMessage } from '../../src/core/git/git';
import { parseDiff, parseLog, parseStatus, parseWorktreeList } from '../../src/core/git/gitParse';
import { REPO } from '../support/engineHarness';

const fixture = (name: string) => readFileSync(join(REPO, 'test', 'fixtures', 'git', name), 'utf8');
const MAIN_HEAD = '54e146d4403c7a7ede9aee8d7159072b57b7aa1d';

describe('parseWorktreeList', () => {
  const expected = [
    { path: '/tmp/cap/repo', head: MAIN_HEAD, branch: 'main', detached: false, bare: false, locked: false, prunable: false },
    { path: '/tmp/cap/wt-a', head: '77c89a38e69f04fedac23e1d5999449cf473ae8b', branch: 'instar/a', detached: false, bare: false, locked: false, prunable: false },
    { path: '/tmp/cap/wt-b', head: MAIN_HEAD, detached: true, bare: false, locked: true, prunable: false },
    { path: '/tmp/cap/wt-gone', head: MAIN_HEAD, branch: 'instar/gone', detached: false, bare: false, locked: false, prunable: true },
  ];

  it('reads the main tree, a branch, a detached and locked worktree and a prunable one, with -z and without', () => {
    assert.deepEqual(parseWorktreeList(fixture('worktree-list.txt')), expected);
    assert.deepEqual(parseWorktreeList(fixture('worktree-list-z.txt')), expected);
  });

  it('reads a bare repository, which has no HEAD line', () => {
    assert.deepEqual(parseWorktreeList(fixture('worktree-list-bare.txt')), [{ path: '/tmp/cap/bare.git', detached: false, bare: true, locked: false, prunable: false }]);
  });

  it('survives CRLF line ends, garbage lines and a HEAD that is not a commit id', () => {
    const damaged = `garbage before\r\n${fixture('worktree-list.txt').replace(/\n/g, '\r\n').replace('detached\r\n', 'detached\r\nsomething new 1 2 3\r\n')}`.replace(`HEAD ${MAIN_HEAD}`, 'HEAD nothex');
    const entries = parseWorktreeList(damaged);
    assert.deepEqual(entries.slice(1), expected.slice(1));
    const { head, ...withoutHead } = expected[0];
    assert.ok(head);
    assert.deepEqual(entries[0], withoutHead, 'a HEAD that is not a commit id is left out');
  });

  it('returns nothing for empty output', () => {
    assert.deepEqual(parseWorktreeList(''), []);
    assert.deepEqual(parseWorktreeList('\n\n'), []);
  });
});

describe('parseDiff', () => {
  const numstat = [
    { path: 'a.txt', added: 2, removed: 0, binary: false },
    { path: 'img.bin', binary: true },
    { path: 'new\nline.txt', added: 1, removed: 0, binary: false },
    { path: 'sp ace.txt', added: 0, removed: 1, binary: false },
    { path: 'src/new.ts', oldPath: 'src/old.ts', added: 1, removed: 0, binary: false },
  ];

  it('reads numstat -z: counts, a binary file ("-\\t-"), a path with a line break and a space, a rename', () => {
    assert.deepEqual(parseDiff(fixture('numstat-z.txt')), { raw: [], numstat });
  });

  it('reads --raw and --numstat together: statuses with their modes, the rename with both paths', () => {
    const { raw, numstat: counts } = parseDiff(fixture('raw-numstat-z.txt'));
    assert.deepEqual(counts, numstat);
    assert.deepEqual(raw, [
      { status: 'M', path: 'a.txt', oldMode: '100644', newMode: '100644' },
      { status: 'M', path: 'img.bin', oldMode: '100644', newMode: '100644' },
      { status: 'A', path: 'new\nline.txt', oldMode: '000000', newMode: '100644' },
      { status: 'D', path: 'sp ace.txt', oldMode: '100644', newMode: '000000' },
      { status: 'R', path: 'src/new.ts', oldPath: 'src/old.ts', oldMode: '100644', newMode: '100644' },
    ]);
  });

  it('passes over blank fields, CRLF and garbage between records, and stops at a cut-off rename', () => {
    const damaged = `\0garbage\0\r\n${fixture('numstat-z.txt').replace('-\t-\timg.bin\0', '-\t-\timg.bin\0\0\r\nnot a record\0')}`;
    assert.deepEqual(parseDiff(damaged).numstat, numstat);
    assert.deepEqual(parseDiff('1\t0\t\0src/old.ts\0').numstat, []);
    assert.deepEqual(parseDiff(':100644 100644 abc def R100\0only-old\0').raw, []);
    assert.deepEqual(parseDiff(''), { raw: [], numstat: [] });
  });
});

describe('parseStatus', () => {
  it('reads the branch header and the entries of porcelain v1 -z', () => {
    assert.deepEqual(parseStatus(fixture('status-z.txt')), {
      branch: 'instar/a',
      detached: false,
      noCommits: false,
      entries: [
        { index: ' ', worktree: 'M', path: 'a.txt' },
        { index: '?', worktree: '?', path: 'untracked.txt' },
      ],
    });
  });

  it('reads a rename as its new path, then the old one', () => {
    assert.deepEqual(parseStatus(fixture('status-rename-z.txt')).entries, [
      { index: 'R', worktree: 'M', path: 'b.txt', oldPath: 'a.txt' },
      { index: '?', worktree: '?', path: 'untracked.txt' },
    ]);
  });

  it('reads a detached HEAD, a branch without commits, an upstream and a conflict', () => {
    assert.deepEqual(parseStatus(fixture('status-detached-z.txt')), { branch: undefined, detached: true, noCommits: false, entries: [] });
    assert.deepEqual(parseStatus(fixture('status-nocommits-z.txt')), { branch: 'trunk', detached: false, noCommits: true, entries: [] });
    assert.equal(parseStatus('## main...origin/main [ahead 1, behind 2]\0').branch, 'main');
    assert.equal(parseStatus('## feature/x [gone]\0').branch, 'feature/x');
    assert.deepEqual(parseStatus(fixture('status-conflict-z.txt')).entries, [
      { index: 'U', worktree: 'U', path: 'a.txt' },
      { index: '?', worktree: '?', path: 'z.txt' },
    ]);
  });

  it('passes over blank fields, CRLF and garbage, and stops at a cut-off rename', () => {
    const damaged = `\0\r\nnonsense\0${fixture('status-z.txt').replace('\0', '\0\0XYZ\0\r\n')}`;
    assert.equal(parseStatus(damaged).entries.length, 2);
    assert.equal(parseStatus(damaged).branch, 'instar/a');
    assert.deepEqual(parseStatus('R  b.txt\0').entries, []);
    assert.deepEqual(parseStatus(''), { detached: false, noCommits: false, entries: [] });
  });
});

describe('parseLog', () => {
  const entries = [
    { commit: '77c89a38e69f04fedac23e1d5999449cf473ae8b', author: 'T', time: 1796160466000, subject: 'second' },
    { commit: '73572ea84516a9639c330bbe34b5b0cf8a71ba40', author: 'T', time: 1796160466000, subject: 'Rename old.ts, grow a.txt' },
    { commit: MAIN_HEAD, author: 'T', time: 1796160466000, subject: 'first: with | pipe' },
  ];

  it('reads commit, author, time and subject, whatever the subject holds', () => {
    assert.deepEqual(parseLog(fixture('log-z.txt')), entries);
  });

  it('passes over blank records, CRLF and garbage', () => {
    const damaged = `\0\r\n${fixture('log-z.txt').replace('\0', '\0garbage\x1fx\0\r\n\0')}\r\n`;
    assert.deepEqual(parseLog(damaged), entries);
    assert.deepEqual(parseLog(''), []);
  });
});

describe('gitMessage', () => {
  it('keeps git\'s error lines and the files it lists, without the "fatal:" prefix and the hints', () => {
    const stderr = 'error: Your local changes to the following files would be overwritten by merge:\n\tf2.txt\nPlease commit your changes or stash them before you merge.\nhint: something\nAborting\n';
    assert.equal(gitMessage(stderr), 'Your local changes to the following files would be overwritten by merge: f2.txt Please commit your changes or stash them before you merge. Aborting');
    assert.equal(gitMessage("Preparing worktree (checking out 'w1')\nfatal: 'w1' is already checked out at '/tmp/gx/wt1'\n"), "'w1' is already checked out at '/tmp/gx/wt1'");
    assert.equal(gitMessage('', 'Automatic merge failed\n'), 'Automatic merge failed');
    assert.equal(gitMessage(''), 'no message');
  });
});
