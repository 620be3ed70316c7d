import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FIELD_SEPARATOR, toArgv } from '../../src/core/tmux/commands';
import { exitCodeOf, parseListPanes, parseVersion } from '../../src/core/tmux/parse';

const row = (...fields: string[]) => fields.join(FIELD_SEPARATOR);

describe('toArgv', () => {
  it('joins commands with ";" and escapes arguments that end in ";"', () => {
    assert.deepEqual(toArgv([['set-option', '-g', 'a', 'b'], ['send-keys', '-l', 'x;', ';', '\\;', 'a;b']]), [
      'set-option',
      '-g',
      'a',
      'b',
      ';',
      'send-keys',
      '-l',
      'x\\;',
      '\\;',
      '\\\\;',
      'a;b',
    ]);
  });
});

describe('parseListPanes', () => {
  it('parses live and dead panes, skipping blank, CRLF-damaged and garbage lines', () => {
    const output = [
      row('%0', '1986', '1', '3', '', '1795572423', '1795572423', '1795572420', '0', '200', '50', '', '', '', '', 'a'),
      '',
      'garbage without separators',
      row('%2', '1995', '0', '', '', '', '1795572424', '1795572421', '1', '200', '50', '5b0c-id', '0f3a9c', '2', 'waiting 0.1250', 'q') + '\r',
      row('%x', 'bad', 'pane', 'id', '', '', '', '', '', '', '', '', '', '', '', 'nope'),
      row('%3', '2001', '1', '', '15', '1795572430', '1795572430', '1795572421', '0', '80', '24', '', '', '', '', `name${FIELD_SEPARATOR}with separator`),
      '',
    ].join('\n');
    const panes = parseListPanes(output);
    assert.equal(panes.length, 3);
    assert.deepEqual(panes[0], {
      paneId: '%0',
      pid: 1986,
      dead: true,
      deadStatus: 3,
      deadSignal: undefined,
      deadAt: 1795572423000,
      activityAt: 1795572423000,
      createdAt: 1795572420000,
      attachedClients: 0,
      width: 200,
      height: 50,
      tags: { id: undefined, workspace: undefined, run: undefined, state: undefined },
      sessionName: 'a',
    });
    assert.deepEqual(panes[1].tags, { id: '5b0c-id', workspace: '0f3a9c', run: 2, state: 'waiting 0.1250' }, 'the tags of a session Instar started');
    assert.equal(panes[1].sessionName, 'q');
    assert.equal(panes[1].dead, false);
    assert.equal(panes[1].deadStatus, undefined);
    assert.equal(panes[1].attachedClients, 1);
    assert.equal(panes[2].sessionName, `name${FIELD_SEPARATOR}with separator`);
    assert.equal(exitCodeOf(panes[0]), 3);
    assert.equal(exitCodeOf(panes[2]), 128 + 15);
  });

  it('returns nothing for empty output', () => {
    assert.deepEqual(parseListPanes(''), []);
    assert.deepEqual(parseListPanes('\n\n'), []);
  });
});

describe('parseVersion', () => {
  it('reads release, next and master versions', () => {
    assert.deepEqual(parseVersion('tmux 3.3a\n'), { major: 3, minor: 3, text: '3.3a' });
    assert.deepEqual(parseVersion('tmux next-3.5'), { major: 3, minor: 5, text: 'next-3.5' });
    assert.deepEqual(parseVersion('tmux 2.9'), { major: 2, minor: 9, text: '2.9' });
    assert.equal(parseVersion('tmux master')?.major, 99);
    assert.equal(parseVersion('something else'), undefined);
  });
});
