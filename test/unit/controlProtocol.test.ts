import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { controlLine, decodeOutput, hexKeyCommands, parseControlLine } from '../../src/core/tmux/controlProtocol';

describe('control mode protocol', () => {
  it('decodes %output lines captured from tmux 3.3a: octal escapes, raw UTF-8, backslashes', () => {
    // Captured: a pane printing "hé\" then CR LF.
    const line = Buffer.concat([Buffer.from('%output %0 h'), Buffer.from([0xc3, 0xa9]), Buffer.from('\\134\\015\\012')]);
    const message = parseControlLine(line, false);
    assert.equal(message.type, 'output');
    if (message.type !== 'output') return;
    assert.equal(message.paneId, '%0');
    assert.equal(message.data.toString('utf8'), 'hé\\\r\n');
  });

  it('keeps a backslash that starts no octal escape', () => {
    assert.equal(decodeOutput(Buffer.from('a\\9b\\01')).toString(), 'a\\9b\\01');
    assert.equal(decodeOutput(Buffer.from('\\033[0m')).toString(), '\x1b[0m');
  });

  it('tells reply guards, reply lines, notifications and exit apart', () => {
    assert.deepEqual(parseControlLine(Buffer.from('%begin 1795573667 266 1'), false), { type: 'begin', number: 266, ours: true });
    assert.deepEqual(parseControlLine(Buffer.from('%end 1795573667 266 1'), true), { type: 'end', number: 266, ours: true, error: false });
    assert.deepEqual(parseControlLine(Buffer.from('%error 1795573667 267 1'), true), { type: 'end', number: 267, ours: true, error: true });
    assert.deepEqual(parseControlLine(Buffer.from('%begin 1795573667 269 0'), false), { type: 'begin', number: 269, ours: false });
    assert.deepEqual(parseControlLine(Buffer.from('%output %1 looks like output'), true), { type: 'line', text: '%output %1 looks like output' });
    assert.deepEqual(parseControlLine(Buffer.from('%session-changed $0 r'), false), { type: 'notification', name: 'session-changed', args: '$0 r' });
    assert.deepEqual(parseControlLine(Buffer.from('%exit'), false), { type: 'exit', reason: '' });
    assert.deepEqual(parseControlLine(Buffer.from('%exit server exited'), false), { type: 'exit', reason: 'server exited' });
  });

  it('types bytes as send-keys -H commands in chunks', () => {
    const commands = hexKeyCommands('%3', Buffer.from('é\x1b', 'utf8'), 2).map(controlLine);
    assert.deepEqual(commands, ["send-keys -H -t '%3' c3 a9", "send-keys -H -t '%3' 1b"]);
    assert.deepEqual(hexKeyCommands('=my session:', Buffer.from('a')).map(controlLine), ["send-keys -H -t '=my session:' 61"]);
  });
});
