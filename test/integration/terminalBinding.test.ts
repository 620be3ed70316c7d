/** The editor-terminal binding (tmux control mode) against a real tmux server. */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '../../src/core/util/host';
import { TerminalBinding } from '../../src/core/terminal/terminalBinding';
import { ControlClient } from '../../src/core/tmux/controlClient';
import { RECORDER_AGENT } from '../support/engineHarness';
import { cleanupSocket, privateSocket, tmuxOn } from '../support/tmuxServer';
import { waitFor } from '../support/wait';

describe('terminal binding through tmux control mode', () => {
  const socket = privateSocket('term');
  let dir: string;
  const size = (session: string) => tmuxOn(socket, 'display-message', '-p', '-t', `=${session}:`, '#{window_width}x#{window_height}').trim();
  const inputOf = async () => {
    try {
      return await readFile(join(dir, 'rec.input.bin'), 'latin1');
    } catch {
      return '';
    }
  };

  /** Opens a binding with a listener attached from the start; `text()` is all it wrote. */
  async function open(session: string, cols = 100, rows = 30) {
    const binding = new TerminalBinding({ binary: 'tmux', socketArgs: ['-L', socket], session, cols, rows, bracketedPaste: true, logger: silentLogger });
    const chunks: string[] = [];
    const ends: string[] = [];
    binding.onData((text) => chunks.push(text));
    binding.onEnd((reason) => ends.push(reason));
    await binding.start();
    return { binding, text: () => chunks.join(''), ends };
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'instar-term-'));
    tmuxOn(socket, 'start-server', ';', 'set', '-g', 'remain-on-exit', 'on', ';', 'new-session', '-d', '-s', 'rec', '-x', '200', '-y', '50', '--',
      'env', `RECORD_DIR=${dir}`, 'INSTAR_SESSION_NAME=rec', 'RECORDER_LINES=3', RECORDER_AGENT);
    tmuxOn(socket, 'new-session', '-d', '-s', 'echo', '-x', '200', '-y', '50', '--', 'cat');
    await waitFor('the recorder', () => readFile(join(dir, 'rec.argv.json'), 'utf8'));
    await waitFor('the prompt', () => tmuxOn(socket, 'capture-pane', '-p', '-t', '=rec:').includes('ready>'));
  });
  after(async () => {
    cleanupSocket(socket);
    await rm(dir, { recursive: true, force: true });
  });

  it('paints the screen it attached to, sized to the terminal, with the cursor where the program left it', async () => {
    const { binding, text } = await open('rec', 120, 40);
    const painted = text();
    assert.equal(size('rec'), '120x40');
    assert.match(painted, /^\x1b\[H\x1b\[2J/, 'clears, then paints');
    assert.match(painted, /\x1b\[32mline 1/, 'with colours');
    assert.match(painted, /line 3.*\r\n.*ready> /s);
    assert.match(painted, /\x1b\[4;8H/, 'the cursor after "ready> " on the fourth row');
    assert.match(painted, /\x1b\[\?2004h$/, 'bracketed paste on');
    binding.close();
  });

  it('types every byte as it was typed: UTF-8, control keys, escape sequences, a 20 KB paste', async () => {
    const { binding } = await open('rec');
    const paste = `\x1b[200~${'pasted "text" $(x) é ✓ ;\n'.repeat(800)}\x1b[201~`;
    const typed = ['héllo ✓', '\x03', '\x1b[A', '\t', paste, '\r'];
    for (const piece of typed) binding.input(piece);
    const expected = Buffer.from(typed.join(''), 'utf8').toString('latin1');
    const received = await waitFor('the input', async () => ((await inputOf()).length >= expected.length ? inputOf() : undefined), 20_000);
    assert.ok(received === expected, `received ${received.length} bytes of ${expected.length}, equal: ${received === expected}`);
    binding.close();
  });

  it('streams output as it comes, and follows resizes', async () => {
    const { binding, text } = await open('echo', 80, 24);
    const before = text().length;
    binding.input('streamed ✓ line\r');
    await waitFor('the echo', () => text().slice(before).includes('streamed ✓ line'), 10_000);
    binding.resize(90, 20);
    await waitFor('the resize', () => size('echo') === '90x20', 10_000);
    binding.close();
  });

  it('detaches on close: the program keeps running, and a new binding paints it again', async () => {
    const first = await open('echo');
    first.binding.input('before close\r');
    await waitFor('the echo', () => first.text().includes('before close'), 10_000);
    first.binding.close();
    await waitFor('the detach', () => first.ends.length > 0, 10_000);
    assert.equal(tmuxOn(socket, 'display-message', '-p', '-t', '=echo:', '#{pane_dead}').trim(), '0', 'still running');
    const second = await open('echo');
    assert.match(second.text(), /before close/, 'the screen is painted again');
    second.binding.close();
  });

  it('ends when the session is killed', async () => {
    tmuxOn(socket, 'new-session', '-d', '-s', 'doomed', '--', 'cat');
    const { ends } = await open('doomed');
    tmuxOn(socket, 'kill-session', '-t', '=doomed');
    await waitFor('the end', () => ends.length > 0, 10_000);
  });

  it("keeps the tmux server alive while bindings open as others close (tmux < 3.7's attach/detach race)", async () => {
    // Without the ordering in ControlClient, one round in about five crashed tmux 3.3a's server.
    const started = performance.now();
    for (let round = 0; round < 30; round += 1) {
      const [a, b] = await Promise.all([open('echo'), open('rec')]);
      a.binding.close();
      const c = await open('echo');
      b.binding.close();
      c.binding.close();
    }
    assert.equal(tmuxOn(socket, 'display-message', '-p', '-t', '=rec:', '#{pane_dead}').trim(), '0', 'the server and its sessions are still there');
    console.log(`30 rounds of overlapping bindings: ${Math.round(performance.now() - started)} ms`);
  });

  it('a failing command of a batch fails the commands tmux then skips, and later replies stay with their commands', async () => {
    const client = await ControlClient.attach({ binary: 'tmux', socketArgs: ['-L', socket], session: 'echo', logger: silentLogger });
    try {
      // Unsettled, a reply would be waited for for ever: a bound only so that the test ends.
      const bounded = <T>(work: Promise<T>, what: string) =>
        Promise.race([work, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} never settled`)), 20_000).unref())]);
      const batch = client.batch({ commands: [['display-message', '-p', 'first'], ['capture-pane', '-p', '-t', '%999999'], ['display-message', '-p', 'skipped']] });
      await assert.rejects(bounded(batch, 'the batch'), /capture-pane: can't find pane/);
      assert.deepEqual(await bounded(client.command(['display-message', '-p', 'after']), 'the next command'), ['after'], "the next reply is the next command's");
      // What an error says when tmux stalls: nothing left waiting here, and the last lines both ways.
      const transcript = client.transcript();
      assert.match(transcript, /^waiting for nothing; last lines:/);
      assert.match(transcript, /\n {2}> display-message -p after\n {2}< %begin \d+ \d+ 1\n {2}< after\n {2}< %end \d+ \d+ 1$/);
    } finally {
      client.close();
    }
  });

  it('tries a start that stalls once more with a new client, and says where it stalled when that stalls too', async () => {
    const pid = Number(tmuxOn(socket, 'display-message', '-p', '#{pid}').trim());
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (message: string) => void warnings.push(message) };
    const make = () => new TerminalBinding({ binary: 'tmux', socketArgs: ['-L', socket], session: 'echo', cols: 100, rows: 30, bracketedPaste: false, logger, startTimeoutMs: 1000 });
    // The server stopped for 1.5 s: the first attach gets no answer within its second, the next one does.
    const retried = make();
    const chunks: string[] = [];
    retried.onData((text) => chunks.push(text));
    process.kill(pid, 'SIGSTOP');
    const resume = setTimeout(() => process.kill(pid, 'SIGCONT'), 1500);
    try {
      await retried.start();
    } finally {
      clearTimeout(resume);
      process.kill(pid, 'SIGCONT');
    }
    assert.match(warnings.join('\n'), /Terminal of echo: tmux did not answer while attaching \(1 s\); attaching again/);
    assert.match(chunks.join(''), /\x1b\[H\x1b\[2J/, 'painted once attached again');
    retried.input('typed after a retry\r');
    await waitFor('the echo', () => chunks.join('').includes('typed after a retry'), 10_000);
    retried.close();
    // Stopped for longer than both tries: the error says at which step, and its cause what tmux left unanswered.
    const stalled = make();
    process.kill(pid, 'SIGSTOP');
    try {
      await assert.rejects(stalled.start(), (error: Error) => {
        assert.match(error.message, /^tmux did not answer while attaching \(1 s\); close the tab and open the session again\.$/);
        assert.match(String(error.cause), /no control client attached/);
        return true;
      });
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    assert.equal(tmuxOn(socket, 'display-message', '-p', '-t', '=echo:', '#{pane_dead}').trim(), '0', 'the server and the session are still there');
  });

  it('refuses a session that does not exist', async () => {
    await assert.rejects(open('nope'), /Could not attach to tmux session "nope"/);
  });
});
