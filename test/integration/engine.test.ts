/**
 * The engine against a real tmux server on a private socket, with a recorder program as a
 * non-Claude agent so that what arrives (argv, environment, bytes typed) can be compared byte
 * for byte. Claude Code's own behaviour is covered in claude.test.ts.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { InstarError, isInstarError } from '../../src/core/util/errors';
import { MAX_PROMPT_BYTES } from '../../src/core/sessions/validation';
import type { SessionEngine } from '../../src/core/sessions/sessionEngine';
import { Harness, RECORDER_AGENT, startHarness } from '../support/engineHarness';
import { tmuxOn } from '../support/tmuxServer';
import { waitFor, waitForStatus } from '../support/wait';

const rejects = (promise: Promise<unknown>, code: InstarError['code'], pattern: RegExp) =>
  assert.rejects(promise, (error: unknown) => {
    assert.ok(isInstarError(error, code), `expected ${code}, got ${String(error)}`);
    assert.match((error as Error).message, pattern);
    return true;
  });

describe('session engine on real tmux', () => {
  let h: Harness;
  let engine: SessionEngine;
  let records: string;
  let cwd: string;

  const spawn = (name: string, prompt = '', extra: Record<string, unknown> = {}) => engine.spawn({ name, prompt, cwd, ...extra });
  const argvOf = async (name: string) => JSON.parse(await readFile(join(records, `${name}.argv.json`), 'utf8')) as { argv: string[]; env: Record<string, string | null>; cwd: string };
  const inputOf = async (name: string) => {
    try {
      return await readFile(join(records, `${name}.input.bin`), 'latin1');
    } catch {
      return '';
    }
  };
  const argvArrived = (name: string) => waitFor(`${name} to start`, () => argvOf(name), 15_000);

  before(async () => {
    process.env.CLAUDECODE = '1'; // as when VS Code itself was started from a Claude Code session
    h = await startHarness('engine', { agentCommand: RECORDER_AGENT, submitDelayMs: 100 });
    engine = h.engine;
    records = join(h.root, 'records');
    cwd = join(h.root, 'work dir');
    await mkdir(records);
    await mkdir(cwd);
    process.env.RECORD_DIR = records;
    process.env.RECORDER_LINES = '120';
  });
  after(async () => {
    delete process.env.CLAUDECODE;
    await h.dispose();
  });

  describe('spawn', () => {
    it('refuses invalid names with the rule, and nothing is created', async () => {
      for (const name of ['', 'Upper', 'with space', 'a.b', 'a:b', '-lead', 'x'.repeat(65)]) {
        await rejects(spawn(name, 'p'), 'invalid-input', /lower-case letters a-z, digits 0-9 and "-"/);
      }
      assert.equal(engine.list().length, 0);
      assert.deepEqual(await engine.listTmuxSessions(), []);
    });

    it('passes a prompt full of shell metacharacters byte for byte, through argv', async () => {
      const prompt = `$(touch pwned); "q" 'q' \\ \nsecond line\twith tab; \`id\` && echo $HOME > x; #{session_name} ;`;
      const record = await spawn('meta', prompt);
      assert.equal(record.status, 'starting');
      assert.equal(record.statusSignal, 'spawn');
      const { argv, env } = await argvArrived('meta');
      assert.deepEqual(argv, [prompt]);
      assert.equal(env.INSTAR_SESSION_NAME, 'meta');
      assert.equal(env.CLAUDECODE, null, 'CLAUDECODE is not inherited');
      await assert.rejects(readFile(join(cwd, 'pwned')), 'nothing ran the prompt as shell');
    });

    it('refuses a duplicate name, naming the session and its state', async () => {
      await rejects(spawn('meta', 'again'), 'name-taken', /"meta" already exists \((starting|running|idle)/);
    });

    it("leaves a tmux session it did not start alone, one of the same name spawned beside it (the workspace's own tmux name)", async () => {
      tmuxOn(h.socket, 'new-session', '-d', '-s', 'foreign', 'sleep', '600');
      const ours = await spawn('foreign', 'x');
      assert.notEqual(ours.tmuxSession, 'foreign');
      const sessions = await engine.listTmuxSessions();
      assert.deepEqual(sessions.map((s) => [s.name, s.known]).sort(), [['foreign', false], [ours.tmuxSession, true], [engine.get('meta')!.tmuxSession, true]].sort());
      await engine.kill('foreign');
      await engine.remove('foreign');
      assert.equal(tmuxOn(h.socket, 'display-message', '-p', '-t', '=foreign:', '#{pane_dead}').trim(), '0', 'the one Instar did not start still runs');
    });

    it('creates the tmux session as the product needs it', async () => {
      const format = '#{window_width}x#{window_height} #{history_limit} #{remain-on-exit} #{focus-events}';
      const tmuxName = engine.get('meta')!.tmuxSession;
      assert.match(tmuxName, /^instar-[0-9a-f]{4}\/meta$/, "the workspace's label and key, then the session's name");
      const [size, history, remain, focus] = tmuxOn(h.socket, 'display-message', '-p', '-t', `=${tmuxName}:`, format).trim().split(' ');
      assert.equal(size, '200x50');
      assert.ok(Number(history) >= 50_000, `history-limit ${history}`);
      assert.match(remain, /^(on|1)$/, 'remain-on-exit');
      assert.match(focus, /^(on|1)$/, 'focus-events');
    });

    it('refuses a NUL byte and prompts over 500 KiB, and a missing working directory', async () => {
      await rejects(spawn('nul', 'a\0b'), 'invalid-input', /NUL byte/);
      await rejects(spawn('huge', 'x'.repeat(MAX_PROMPT_BYTES + 1)), 'invalid-input', /at most 512000 bytes \(500 KiB\)/);
      await rejects(engine.spawn({ name: 'nocwd', prompt: 'x', cwd: join(h.root, 'missing') }), 'invalid-input', /does not exist/);
      await rejects(engine.spawn({ name: 'relcwd', prompt: 'x', cwd: 'relative' }), 'invalid-input', /absolute path/);
      assert.equal(engine.get('nul'), undefined);
      assert.equal(engine.get('huge'), undefined);
    });

    it('delivers a prompt of the largest size whole, pasted once the agent is ready', async () => {
      const line = 'The quick brown fox $(jumps) over "the" lazy dog; 0123456789\n';
      const prompt = line.repeat(Math.floor((MAX_PROMPT_BYTES - 3) / line.length)) + 'END';
      assert.ok(Buffer.byteLength(prompt) <= MAX_PROMPT_BYTES && Buffer.byteLength(prompt) > MAX_PROMPT_BYTES - line.length - 3);
      const record = await spawn('bigprompt', prompt);
      assert.equal(record.pendingPrompt, true);
      assert.equal(record.promptBytes, Buffer.byteLength(prompt));
      // Like a terminal's paste, tmux sends line ends as CR; Claude Code reads them as new lines.
      const expected = `\x1b[200~${prompt.replace(/\n/g, '\r')}\x1b[201~\r`;
      const received = await waitFor('the pasted prompt', async () => ((await inputOf('bigprompt')).length >= expected.length ? inputOf('bigprompt') : undefined), 60_000, 200);
      assert.equal(received.length, expected.length);
      assert.ok(received === expected, 'the prompt arrived byte for byte in one bracketed paste, then Enter');
      await waitFor('the prompt marked delivered', () => engine.get('bigprompt')?.pendingPrompt === undefined);
      assert.deepEqual((await argvOf('bigprompt')).argv, [], 'a long prompt is not put in argv');
    });

    it('gives a 100 KiB prompt to the agent as one argument, from a file, byte for byte', async () => {
      const line = 'Tab\there, "double" \'single\' $(not run) `nor this`; é ✓ \\\n';
      const prompt = line.repeat(Math.floor((100 * 1024) / Buffer.byteLength(line))) + '\n\n';
      const record = await spawn('argprompt', prompt);
      assert.equal(record.pendingPrompt, undefined, 'not pasted');
      const { argv } = await argvArrived('argprompt');
      assert.equal(argv.length, 1);
      assert.equal(argv[0].length, prompt.length);
      assert.ok(argv[0] === prompt, 'the prompt arrived byte for byte, trailing newlines included');
    });

    it('spawns 20 sessions in parallel with none lost', async () => {
      const names = Array.from({ length: 20 }, (_, i) => `par-${i}`);
      const results = await Promise.all(names.map((name) => spawn(name, `task ${name}`)));
      assert.deepEqual(results.map((r) => r.name).sort(), [...names].sort());
      for (const record of results) assert.equal(record.status, 'starting', 'each spawn returns a starting session');
      for (const name of names) assert.equal(engine.get(name)?.endedAt, undefined, `${name} is live`);
      const tmuxNames = (await engine.listTmuxSessions()).map((s) => s.name);
      for (const record of results) assert.ok(tmuxNames.includes(record.tmuxSession), `${record.name} in tmux`);
      const restored = await h.restart();
      engine = restored;
      for (const name of names) assert.ok(engine.get(name), `${name} kept in the registry`);
    });
  });

  describe('output', () => {
    it('returns the last N lines, plain or with colours', async () => {
      await argvArrived('meta');
      const text = await waitFor('output', async () => {
        const out = await engine.output('meta', { lines: 5 });
        return out.includes('ready>') ? out : undefined;
      });
      assert.deepEqual(text.split('\n'), ['line 117', 'line 118', 'line 119', 'line 120', 'ready>']);
      const coloured = await engine.output('meta', { lines: 2, ansi: true });
      assert.match(coloured, /\x1b\[32mline 120/);
      const many = await engine.output('meta', { lines: 10_000 });
      assert.match(many, /^line 1\nline 2\n/);
      assert.equal((await engine.output('meta')).split('\n').length, 100);
    });

    it('refuses line counts out of 1–10000 and unknown sessions', async () => {
      for (const lines of [0, -1, 10_001, 1.5, 'many']) await rejects(engine.output('meta', { lines: lines as number }), 'invalid-input', /1 to 10000/);
      await rejects(engine.output('nope'), 'not-found', /no session named "nope"/);
    });
  });

  describe('input', () => {
    it('types text literally, key names staying text, and submits with a separate Enter', async () => {
      await argvArrived('par-1');
      await engine.sendInput('par-1', 'Enter C-c Escape; $(x) "q"');
      await waitFor('input', async () => (await inputOf('par-1')).endsWith('\r') || undefined);
      assert.equal(await inputOf('par-1'), 'Enter C-c Escape; $(x) "q"\r');
    });

    it('pastes multi-line and long text intact (100 KB), bracketed', async () => {
      await argvArrived('par-2');
      const text = Array.from({ length: 2000 }, (_, i) => `row ${i}: ${'é'.repeat(20)} "quotes" 'single' \\ $(no) ;`).join('\n').slice(0, 100_000);
      await engine.sendInput('par-2', text);
      const expected = `\x1b[200~${Buffer.from(text.replace(/\n/g, '\r'), 'utf8').toString('latin1')}\x1b[201~\r`;
      const received = await waitFor('the paste', async () => ((await inputOf('par-2')).length >= expected.length ? inputOf('par-2') : undefined), 30_000);
      assert.ok(received === expected, `100 KB input arrived intact (${received.length} of ${expected.length} bytes)`);
    });

    it('sends raw keys and refuses unknown ones', async () => {
      await argvArrived('par-3');
      await engine.sendKeys('par-3', ['Escape', 'C-c', '1', 'Up', 'Enter']);
      await waitFor('keys', async () => (await inputOf('par-3')).endsWith('\r') || undefined);
      assert.equal(await inputOf('par-3'), '\x1b\x03' + '1' + '\x1b[A\r');
      await rejects(engine.sendKeys('par-3', ['Hello']), 'invalid-input', /Unknown key "Hello"/);
      await rejects(engine.sendKeys('par-3', []), 'invalid-input', /1 to 100 keys/);
    });

    it('refuses a NUL byte in input', async () => {
      await rejects(engine.sendInput('par-3', 'a\0'), 'invalid-input', /NUL byte/);
    });
  });

  describe('ends', () => {
    it('sees an exit with its status, keeps the output, and refuses input after', async () => {
      await argvArrived('par-4');
      await engine.sendInput('par-4', 'EXIT 3');
      const { record, ms } = await waitForStatus(engine, 'par-4', 'error', 15_000);
      console.log(`exit status seen after ${ms} ms`);
      assert.equal(record.exitCode, 3);
      assert.equal(record.statusSignal, 'exit');
      assert.match(await engine.output('par-4', { lines: 3 }), /bye 3/);
      await rejects(engine.sendInput('par-4', 'more'), 'session-ended', /has ended \(error, exit status 3\)/);

      await argvArrived('par-5');
      await engine.sendInput('par-5', 'EXIT 0');
      assert.equal((await waitForStatus(engine, 'par-5', 'completed', 15_000)).record.exitCode, 0);
    });

    it('kills a live session and keeps its record', async () => {
      const record = await engine.kill('par-6');
      assert.equal(record.status, 'killed');
      assert.ok(record.endedAt);
      assert.ok(!(await engine.listTmuxSessions()).some((s) => s.name === record.tmuxSession));
      assert.match(await engine.output('par-6', { lines: 1 }), /ready>/, 'the snapshot taken at kill');
    });

    it('removes only ended sessions, with their tmux remains', async () => {
      await rejects(engine.remove('par-7'), 'session-live', /kill it before removing it/);
      const tmuxName = engine.get('par-4')!.tmuxSession;
      assert.ok((await engine.listTmuxSessions()).some((s) => s.name === tmuxName && s.dead && s.session === 'par-4'), 'its dead pane is there before');
      await engine.remove('par-4');
      assert.equal(engine.get('par-4'), undefined);
      assert.ok(!(await engine.listTmuxSessions()).some((s) => s.name === tmuxName), 'the dead pane is gone from tmux');
      await engine.spawn({ name: 'par-4', prompt: 'reused', cwd });
      assert.equal(engine.get('par-4')?.status, 'starting', 'a removed name can be used again');
    });

    it('reconciles after a restart: alive stays, exited while away ends with its status, events written while away count', async () => {
      await argvArrived('par-8');
      await argvArrived('par-9');
      // The state the screen settles on (a read taken mid-turn could change across the restart).
      const before = (await waitForStatus(engine, 'par-8', 'idle', 15_000)).record.status;
      const [par9, par10] = [`=${engine.get('par-9')!.tmuxSession}:`, `=${engine.get('par-10')!.tmuxSession}`];
      engine.dispose();
      tmuxOn(h.socket, 'send-keys', '-t', par9, '-l', 'EXIT 7');
      tmuxOn(h.socket, 'send-keys', '-t', par9, 'Enter');
      await waitFor('par-9 to exit', () => tmuxOn(h.socket, 'display-message', '-p', '-t', par9, '#{pane_dead}').trim() === '1');
      tmuxOn(h.socket, 'kill-session', '-t', par10);
      engine = await h.restart();
      assert.equal(engine.get('par-8')?.status, before);
      assert.equal(engine.get('par-8')?.endedAt, undefined);
      assert.equal(engine.get('par-9')?.status, 'error');
      assert.equal(engine.get('par-9')?.exitCode, 7);
      assert.equal(engine.get('par-10')?.status, 'lost');
    });

    it('marks every live session lost when the tmux server is killed', async () => {
      const live = engine.list().filter((r) => r.endedAt === undefined).map((r) => r.name);
      assert.ok(live.length >= 5);
      tmuxOn(h.socket, 'kill-server');
      await Promise.all(live.map((name) => waitForStatus(engine, name, 'lost', 15_000)));
      assert.match(engine.get(live[0])!.statusDetail ?? '', /vanished/);
      await rejects(engine.sendInput(live[0], 'x'), 'session-ended', /has ended \(lost/);
      // par-5 exited before the server died: its output comes from the snapshot.
      assert.match(await engine.output('par-5', { lines: 5 }), /bye 0/);
    });
  });
});

describe('failures', () => {
  it('says how to install tmux when it is missing', async () => {
    const h = await startHarness('notmux', { tmuxBinary: '/nonexistent/tmux', agentCommand: RECORDER_AGENT });
    try {
      await rejects(h.engine.spawn({ name: 'a', prompt: 'x', cwd: h.root }), 'tmux-missing', /install it/);
      assert.equal(h.engine.list().length, 0);
    } finally {
      await h.dispose();
    }
  });

  it('refuses a tmux older than 3.0', async () => {
    const h = await startHarness('oldtmux', { agentCommand: RECORDER_AGENT });
    try {
      const fake = join(h.root, 'tmux');
      await writeFile(fake, '#!/bin/sh\necho "tmux 2.9a"\n', { mode: 0o755 });
      const engine = await h.restart({ tmuxBinary: fake });
      await rejects(engine.spawn({ name: 'a', prompt: 'x', cwd: h.root }), 'tmux-too-old', /tmux 2\.9a is too old: Instar Sessions needs tmux 3\.0/);
    } finally {
      await h.dispose();
    }
  });

  it('bounds every tmux call by a time-out, without blocking the event loop', async () => {
    const h = await startHarness('hangtmux', { agentCommand: RECORDER_AGENT });
    try {
      const fake = join(h.root, 'tmux');
      await writeFile(fake, '#!/bin/sh\n[ "$1" = "-V" ] && { echo "tmux 3.3a"; exit 0; }\nexec sleep 30\n', { mode: 0o755 });
      const engine = await h.restart({ tmuxBinary: fake, tmuxTimeoutMs: 400 });
      let ticks = 0;
      const ticker = setInterval(() => (ticks += 1), 20);
      const started = performance.now();
      await rejects(engine.spawn({ name: 'a', prompt: 'x', cwd: h.root }), 'tmux-timeout', /did not answer within 400 ms/);
      clearInterval(ticker);
      assert.ok(performance.now() - started < 20_000, 'the call ended at its time-out, not when tmux did');
      assert.ok(ticks >= 5, `the event loop kept running (${ticks} ticks)`);
      assert.equal(engine.list().length, 0, 'nothing is left of the failed spawn');
    } finally {
      await h.dispose();
    }
  });

  it('says how to set the agent when claude is missing', async () => {
    const h = await startHarness('noclaude', { agentCommand: 'claude-definitely-not-installed' });
    try {
      await rejects(h.engine.spawn({ name: 'a', prompt: 'x', cwd: h.root }), 'agent-missing', /not found on PATH.*instar\.agent\.command/);
      assert.equal(h.engine.list().length, 0);
    } finally {
      await h.dispose();
    }
  });
});

describe('a tmux server that exits when left empty', () => {
  it('takes a spawn right after its last session was killed', async () => {
    const h = await startHarness('empty', { agentCommand: 'cat', monitorIntervalMs: 0 });
    try {
      await h.engine.spawn({ name: 'round-0', prompt: '', cwd: h.root });
      for (let round = 1; round <= 40; round += 1) {
        await h.engine.kill(`round-${round - 1}`); // the server's last session: it exits, while…
        await h.engine.spawn({ name: `round-${round}`, prompt: '', cwd: h.root }); // …this reaches it
      }
      const last = await h.engine.spawn({ name: 'after-all', prompt: '', cwd: h.root });
      assert.equal(last.status, 'starting');
    } finally {
      await h.dispose();
    }
  });
});
