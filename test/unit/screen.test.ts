/** The screen classifier against real captures of Claude Code 2.1.197 (test/fixtures/screens). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { classifyScreen, inputBoxText, ScreenKind } from '../../src/core/status/screen';
import { stripAnsi } from '../../src/core/util/text';
import { REPO } from '../support/engineHarness';

const fixture = (name: string) => readFileSync(join(REPO, 'test', 'fixtures', 'screens', name), 'utf8');

describe('screen classifier on real Claude Code screens', () => {
  const cases: [string, ScreenKind, RegExp?][] = [
    ['idle.txt', 'idle'],
    ['working.txt', 'working'],
    ['after-escape.txt', 'idle'],
    ['after-deny.txt', 'idle'],
    ['api-error.txt', 'idle'],
    ['permission-dialog.txt', 'permission'],
    ['trust-dialog.txt', 'setup', /trust/],
    ['bypass-warning.txt', 'setup', /bypass/],
    ['after-allow.txt', 'idle'],
    ['after-one-ctrl-c.txt', 'idle'],
    ['api-error-401.txt', 'idle'],
    ['api-retrying.txt', 'working'],
    ['context-limit.txt', 'idle'],
    ['idle-fresh.txt', 'idle'],
    ['paste-placeholder.txt', 'idle'],
  ];
  for (const [file, kind, detail] of cases) {
    it(`reads ${file} as ${kind}`, () => {
      const state = classifyScreen(fixture(file));
      assert.equal(state.kind, kind);
      if (detail) assert.match(state.detail ?? '', detail);
    });
  }

  it('reads the coloured captures the same way once escapes are stripped', () => {
    assert.equal(classifyScreen(stripAnsi(fixture('idle.ansi.txt'))).kind, 'idle');
    assert.equal(classifyScreen(stripAnsi(fixture('working.ansi.txt'))).kind, 'working');
  });

  it('does not take a dialog quoted in the conversation for a live one', () => {
    const quoted = fixture('idle.txt').replace('Hello from the fake API.', 'You asked: Do you want to proceed? 1. Yes');
    assert.equal(classifyScreen(quoted).kind, 'idle');
  });

  it('reads blank, CRLF and garbage screens without failing', () => {
    assert.equal(classifyScreen('').kind, 'unknown');
    assert.equal(classifyScreen('\r\n\r\n').kind, 'unknown');
    assert.equal(classifyScreen('\x00\x01 garbage ❯').kind, 'unknown');
    assert.equal(classifyScreen(fixture('working.txt').replace(/\n/g, '\r\n')).kind, 'working');
  });

  it('reads what the input box holds', () => {
    assert.equal(inputBoxText(fixture('idle.txt')), '');
    assert.match(inputBoxText(fixture('paste-placeholder.txt')) ?? '', /^\[Pasted text #\d+/);
    assert.equal(inputBoxText(fixture('after-escape.txt')), 'SLOW please');
    assert.equal(inputBoxText(fixture('trust-dialog.txt')), undefined);
    assert.equal(inputBoxText(''), undefined);
  });
});
