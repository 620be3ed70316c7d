/**
 * The `instar` command line (dist/cli.js, as shipped) against the real API and engine on real
 * tmux: what it prints, and the exit statuses a script tests. The agents are the quiet stand-in;
 * the test writes their hook events as Claude Code would.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApiServer } from '../../src/core/http/apiServer';
import { generateToken } from '../../src/core/http/instarConfig';
import { silentLogger } from '../../src/core/util/host';
import { Harness, REPO, startHarness } from '../support/engineHarness';
import { writeHookEvent, writeQuietAgent } from '../support/quietAgent';
import { waitFor, waitForStatus } from '../support/wait';

const CLI = join(REPO, 'dist', 'cli.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('the instar command line', () => {
  let h: Harness;
  let api: ApiServer;
  let port: number;
  let events: string;
  const token = generateToken();

  /** Runs `instar …` as an agent would: the API in its environment, a folder of its own. */
  const instar = (args: string[], options: { env?: Record<string, string | undefined>; cwd?: string; input?: string } = {}) =>
    new Promise<Run>((resolve) => {
      const env: Record<string, string | undefined> = { ...process.env, INSTAR_SERVER_URL: `http://127.0.0.1:${port}`, INSTAR_AUTH_TOKEN: token, ...options.env };
      for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
      const child = execFile(process.execPath, [CLI, ...args], { env: env as NodeJS.ProcessEnv, cwd: options.cwd ?? h.root }, (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
      );
      child.stdin?.end(options.input ?? '');
    });
  const idOf = (name: string) => h.engine.require(name).id;
  const turn = async (name: string, answer: string) => {
    await writeHookEvent(events, idOf(name), { hook_event_name: 'UserPromptSubmit' });
    await waitForStatus(h.engine, name, 'running', 30_000);
    await writeHookEvent(events, idOf(name), { hook_event_name: 'Stop', last_assistant_message: answer });
  };

  before(async () => {
    const agent = await writeQuietAgent(join(tmpdir(), `instar-cli-agent-${process.pid}`));
    h = await startHarness('cli', { agentCommand: agent });
    events = join(h.stateDir, 'events');
    api = new ApiServer(h.engine, { port: 0, token, cwd: h.root, version: 'x', logger: silentLogger });
    port = await api.start();
  });
  after(async () => {
    await api.stop();
    await h.dispose();
  });

  it('bad usage: exit status 2 with what is allowed; --help: 0', async () => {
    const none = await instar([]);
    assert.equal(none.code, 2);
    assert.match(none.stdout, /instar spawn <name>/);
    const unknown = await instar(['launch']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Unknown command "launch": use one of spawn, list, show, wait, result, send, keys, answer, output, kill, remove, resume, diff, usage, search, events/);
    const missing = await instar(['spawn']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /Missing an argument\.\nUsage: instar spawn <name>/);
    const option = await instar(['list', '--colour']);
    assert.deepEqual([option.code, /Unknown option --colour/.test(option.stderr)], [2, true]);
    const timeout = await instar(['wait', 'x', '--timeout', 'soon']);
    assert.deepEqual([timeout.code, /--timeout takes a whole number of seconds; got "soon"/.test(timeout.stderr)], [2, true]);
    const help = await instar(['wait', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--label <label>/);
  });

  it('no API: exit status 3 saying where it looked; .instar/config.json is found from a folder below the workspace', async () => {
    const lost = await instar(['list'], { env: { INSTAR_SERVER_URL: undefined, INSTAR_AUTH_TOKEN: undefined }, cwd: tmpdir() });
    assert.equal(lost.code, 3);
    assert.match(lost.stderr, /INSTAR_SERVER_URL and INSTAR_AUTH_TOKEN are not set .* no \.instar\/config\.json/);
    const refused = await instar(['list'], { env: { INSTAR_SERVER_URL: 'http://127.0.0.1:9' }, cwd: tmpdir() });
    assert.equal(refused.code, 3);
    assert.match(refused.stderr, /Cannot reach the Instar Sessions API at http:\/\/127\.0\.0\.1:9 \(from INSTAR_SERVER_URL\)/);
    // The environment's address is stale (the API moved): the workspace's config file is tried next.
    const workspace = join(h.root, 'ws');
    await mkdir(join(workspace, '.instar'), { recursive: true });
    await mkdir(join(workspace, 'src', 'deep'), { recursive: true });
    await writeFile(join(workspace, '.instar', 'config.json'), JSON.stringify({ port, authToken: token }));
    const found = await instar(['list'], { env: { INSTAR_SERVER_URL: 'http://127.0.0.1:9' }, cwd: join(workspace, 'src', 'deep') });
    assert.equal(found.code, 0, found.stderr);
    assert.match(found.stdout, /No sessions\.|NAME/);
  });

  it('spawn, list, wait, result, send --result: a whole exchange, prompts from argv and stdin', async () => {
    const spawned = await instar(['spawn', 'cli-one', 'Look at $(this) and "that"', '--model', 'haiku', '--label', 'crew']);
    assert.equal(spawned.code, 0, spawned.stderr);
    assert.match(spawned.stdout, /^Spawned cli-one \(starting\)\./);
    assert.equal(h.engine.require('cli-one').prompt, 'Look at $(this) and "that"');
    const fromStdin = await instar(['spawn', 'cli-two', '-', '--label', 'crew', '--permission-mode', 'default', '--json'], { input: 'A prompt\nfrom standard input' });
    assert.equal(fromStdin.code, 0, fromStdin.stderr);
    assert.equal(JSON.parse(fromStdin.stdout).prompt, 'A prompt\nfrom standard input');
    assert.equal(JSON.parse(fromStdin.stdout).permissionMode, 'default');
    const badMode = await instar(['spawn', 'cli-mode', 'x', '--permission-mode', 'yolo']);
    assert.equal(badMode.code, 1);
    assert.match(badMode.stderr, /Invalid permission mode "yolo": use one of bypassPermissions, default, acceptEdits, plan/);

    const list = await instar(['list', '--label', 'crew']);
    assert.equal(list.code, 0);
    assert.match(list.stdout, /^NAME\s+STATE\s+MODEL\s+TURNS\s+LABEL/);
    assert.match(list.stdout, /cli-one\s+\w+\s+haiku\s+0\s+crew/);

    // Nothing answered yet: result says so with status 1.
    const early = await instar(['result', 'cli-one']);
    assert.equal(early.code, 1);
    assert.match(early.stderr, /cli-one has no answer yet: no turn has ended/);

    const waiting = instar(['wait', 'cli-one', '--until', 'idle', '--timeout', '60']);
    await waitForStatus(h.engine, 'cli-one', (record) => record.status === 'starting' && record.statusSignal === 'hook', 30_000);
    await turn('cli-one', 'Here is what I found:\n- one\n- two');
    const waited = await waiting;
    assert.equal(waited.code, 0, waited.stderr);
    assert.equal(waited.stdout.trim(), 'cli-one: idle');
    const result = await instar(['result', 'cli-one']);
    assert.deepEqual([result.code, result.stdout], [0, 'Here is what I found:\n- one\n- two\n']);

    // A follow-up that waits for the turn it starts, then prints its answer.
    const followUp = instar(['send', 'cli-one', 'And the third?', '--result', '--timeout', '60']);
    // The text has reached the pane (its terminal echoes it): the turn's events come after the input.
    await waitFor('the follow-up in the pane', async () => (await h.engine.output('cli-one', { lines: 20 })).includes('And the third?'), 30_000);
    await turn('cli-one', 'The third is three.');
    const answered = await followUp;
    assert.equal(answered.code, 0, answered.stderr);
    assert.equal(answered.stdout, 'The third is three.\n');

    // Waiting on the label: both done once cli-two's turn is over.
    const label = instar(['wait', '--label', 'crew', '--timeout', '60']);
    await waitForStatus(h.engine, 'cli-two', (record) => record.statusSignal === 'hook', 30_000);
    await turn('cli-two', 'Done too.');
    const both = await label;
    assert.equal(both.code, 0, both.stderr);
    assert.match(both.stdout, /cli-one: idle\ncli-two: idle/);
  });

  it('show, keys, output, answer and resume: each verb, and its refusals', async () => {
    const shown = await instar(['show', 'cli-two']);
    assert.equal(shown.code, 0, shown.stderr);
    assert.equal(JSON.parse(shown.stdout).name, 'cli-two');
    const typed = await instar(['keys', 'cli-two', 'h', 'i']);
    assert.deepEqual([typed.code, typed.stdout.trim()], [0, 'Pressed h i in cli-two.']);
    // The pane's terminal echoes what was typed.
    await waitFor('the keys on screen', async () => (await instar(['output', 'cli-two', '--lines', '5'])).stdout.includes('hi'), 30_000);
    const noDialog = await instar(['answer', 'cli-two', 'Yes']);
    assert.equal(noDialog.code, 1);
    assert.match(noDialog.stderr, /shows no dialog to answer/);
    const live = await instar(['resume', 'cli-two']);
    assert.equal(live.code, 1);
    assert.match(live.stderr, /is still idle; only an ended session can be resumed/);
    // Its conversation, as Claude Code reports it in a hook: then an ended cli-two can be resumed.
    const transcript = join(h.root, 'cli-two.jsonl');
    await writeFile(transcript, '{}\n');
    await writeHookEvent(events, idOf('cli-two'), { hook_event_name: 'Notification', notification_type: 'idle_prompt', transcript_path: transcript });
    await waitFor('the transcript path', () => h.engine.require('cli-two').transcriptPath === transcript, 30_000);
    assert.equal((await instar(['kill', 'cli-two'])).code, 0);
    const resumed = await instar(['resume', 'cli-two']);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stdout, /^Resumed cli-two \(starting\)\./);
    await waitForStatus(h.engine, 'cli-two', (record) => record.status === 'idle' && record.runs === 2, 30_000);
  });

  it('usage, search, diff and the spawn options for budgets and worktrees, with their refusals', async () => {
    await instar(['spawn', 'cli-cost', '']);
    await waitForStatus(h.engine, 'cli-cost', 'idle', 30_000);
    const transcript = join(h.root, 'cli-cost.jsonl');
    await writeFile(transcript, `${JSON.stringify({ type: 'user', message: { content: 'Where is the walrus-77 note?' } })}\n${JSON.stringify({ type: 'assistant', timestamp: new Date().toISOString(), message: { id: 'msg_1', model: 'claude-sonnet-5', content: [{ type: 'text', text: 'In the drawer.' }], usage: { input_tokens: 1_000_000, output_tokens: 0 } } })}\n`);
    await writeHookEvent(events, idOf('cli-cost'), { hook_event_name: 'Stop', transcript_path: transcript, last_assistant_message: 'In the drawer.' });
    await waitForStatus(h.engine, 'cli-cost', (record) => record.usage?.costUsd === 3, 30_000);
    const one = await instar(['usage', 'cli-cost']);
    assert.deepEqual([one.code, one.stdout.trim()], [0, 'cli-cost: $3.0000 (price-table), 1000000 tokens in, 0 out, context 100% used']);
    const all = await instar(['usage']);
    assert.equal(all.code, 0);
    assert.match(all.stdout, /^Today \(\d{4}-\d\d-\d\d\): \$3\.00; all sessions: \$3\.00\nNAME +STATE +COST +CONTEXT\ncli-cost +idle +\$3\.0000 +100%/);
    const found = await instar(['search', 'WALRUS-77']);
    assert.deepEqual([found.code, found.stdout.trim()], [0, 'cli-cost (prompt): Where is the walrus-77 note?']);
    const nothing = await instar(['search', 'no-such-word-anywhere']);
    assert.deepEqual([nothing.code, nothing.stderr.trim()], [1, 'instar: no session says "no-such-word-anywhere".']);
    const noTree = await instar(['diff', 'cli-cost']);
    assert.equal(noTree.code, 1);
    assert.match(noTree.stderr, /does not run in a worktree of its own/);
    const outside = await instar(['spawn', 'cli-tree', 'x', '--worktree']);
    assert.equal(outside.code, 1);
    assert.match(outside.stderr, /is not in a git repository, so the session cannot get a worktree/);
    const badBudget = await instar(['spawn', 'cli-budget', 'x', '--budget', 'lots']);
    assert.deepEqual([badBudget.code, /--budget takes a number of US dollars above 0/.test(badBudget.stderr)], [2, true]);
    const budgeted = await instar(['spawn', 'cli-budget', '', '--budget', '2.50', '--json']);
    assert.equal(JSON.parse(budgeted.stdout).budgetUsd, 2.5);
    await instar(['kill', 'cli-budget']);
    await instar(['kill', 'cli-cost']);
  });

  it('events: one JSON object a line for each change of state, until interrupted', async () => {
    const child = spawn(process.execPath, [CLI, 'events', '--name', 'cli-ev'], { env: { ...process.env, INSTAR_SERVER_URL: `http://127.0.0.1:${port}`, INSTAR_AUTH_TOKEN: token } });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const lines = () => out.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as { event: string; data: any });
    try {
      await waitFor('the first line', () => lines().length > 0, 30_000);
      assert.deepEqual(lines()[0], { event: 'sessions', data: [] });
      await instar(['spawn', 'cli-ev', '']);
      await waitFor('cli-ev idle in the stream', () => lines().some((line) => line.event === 'session' && line.data.name === 'cli-ev' && line.data.status === 'idle'), 30_000);
      assert.ok(lines().every((line) => line.event === 'sessions' || line.data.name === 'cli-ev'), 'only the session asked for');
    } finally {
      child.kill('SIGINT');
    }
    await instar(['kill', 'cli-ev']);
  });

  it('a wait that times out exits 4; a refusal exits 1 with the API\'s reason; kill and remove say what they did', async () => {
    const late = await instar(['wait', 'cli-one', '--until', 'completed', '--timeout', '1']);
    assert.equal(late.code, 4);
    assert.match(late.stderr, /did not reach completed within 1 s; it is idle/);
    const unknown = await instar(['result', 'nobody']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /There is no session named "nobody"/);
    const taken = await instar(['spawn', 'cli-one', 'again']);
    assert.equal(taken.code, 1);
    assert.match(taken.stderr, /cli-one/);
    const badKey = await instar(['keys', 'cli-one', 'Hyper']);
    assert.equal(badKey.code, 1);
    assert.match(badKey.stderr, /Unknown key "Hyper"/);
    const removeLive = await instar(['remove', 'cli-one']);
    assert.equal(removeLive.code, 1);
    assert.match(removeLive.stderr, /still live \(idle\); "instar kill cli-one" ends it first/);
    const kill = await instar(['kill', 'cli-one']);
    assert.deepEqual([kill.code, kill.stdout.trim()], [0, 'Killed cli-one.']);
    assert.equal(h.engine.require('cli-one').status, 'killed');
    const again = await instar(['kill', 'cli-one']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already ended \(killed\)/);
    // Its answer outlives it.
    const kept = await instar(['result', 'cli-one']);
    assert.deepEqual([kept.code, kept.stdout], [0, 'The third is three.\n']);
    const removed = await instar(['remove', 'cli-one']);
    assert.deepEqual([removed.code, removed.stdout.trim()], [0, 'Removed cli-one.']);
    assert.equal(h.engine.get('cli-one'), undefined);
  });
});
