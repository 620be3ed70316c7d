/**
 * An ended session's output: its last snapshot joined with its final screen (real captures of
 * Claude Code 2.1.197), without the banner and the conversation's start twice and without tmux's
 * "Pane is dead" line.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { joinFinalScreen, withoutTmuxNotice } from '../../src/core/sessions/sessionOutput';
import { REPO } from '../support/engineHarness';

const capture = (file: string) => readFileSync(join(REPO, 'test', 'fixtures', 'screens', '2.1.197', file), 'utf8');
const count = (text: string, pattern: RegExp) => text.split('\n').filter((line) => pattern.test(line)).length;

describe("an ended session's output", () => {
  it("drops tmux's line under a dead pane, and nothing else", () => {
    const screen = capture('after-exit.txt');
    assert.equal(count(screen, /^Pane is dead \(status 0/), 1, 'the capture has it');
    const cleaned = withoutTmuxNotice(screen);
    assert.equal(count(cleaned, /Pane is dead/), 0);
    assert.equal(cleaned.split('\n').length, screen.split('\n').length - 1);
    assert.match(cleaned, /claude --resume 74be5f61/);
  });

  it('adds to the last snapshot only what the final screen says after what it repeats', () => {
    const previous = capture('idle.txt');
    // The final screen of the same run: the banner and conversation drawn again, then the exit (as after-exit.txt shows it).
    const conversation = previous.split('\n').slice(0, previous.split('\n').findIndex((line) => /^✻ /.test(line)) + 1);
    const exit = capture('after-exit.txt').split('\n');
    const final = [...conversation, ...exit.slice(exit.findIndex((line) => /^─{10,}/.test(line)))].join('\n');
    const joined = joinFinalScreen(previous, withoutTmuxNotice(final));
    assert.equal(count(joined, /Claude Code v2\.1\.197/), 1, 'the banner once');
    assert.equal(count(joined, /^❯ hello$/), 1, 'the first prompt once');
    assert.ok(joined.startsWith(previous), 'the snapshot whole, first');
    assert.match(joined, /Resume this session with:\nclaude --resume 74be5f61-d996-415e-8f21-a3607bbe4460\s*$/);
    assert.equal(joinFinalScreen(previous, previous), previous, 'a screen that adds nothing adds nothing');
    assert.equal(joinFinalScreen('one\ntwo', 'other'), 'one\ntwo\nother', 'a screen that repeats nothing is added whole');
  });
});
