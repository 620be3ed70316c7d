/**
 * The keeper with no VS Code at all: `instar keeper --workspace DIR` (dist/, as shipped) on a real
 * tmux server with the real Claude Code on the fake Messages API. Its settings come from the
 * workspace's .vscode/settings.json (comments and all); it serves the API with the workspace's
 * token, an agent's `instar spawn … --result` gets its answer through it, and it runs the
 * workspace's scheduled jobs. Stopped, the sessions go on in tmux.
 */
import assert from 'node:assert/strict';
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findWorkspace } from '../../src/core/lead/workspaceDirectory';
import { leadSecret } from '../../src/core/lead/workspaceLeader';
import { ClaudeHome, makeClaudeHome } from '../support/claudeEnv';
import { REPO } from '../support/engineHarness';
import { FakeMessagesApi } from '../support/fakeMessagesApi';
import { HostProcess } from '../support/hostProcess';
import { startReceiver } from '../support/notifyReceiver';
import { scriptedReply } from '../support/scriptedReplies';
import { cleanupSocket, privateSocket, tmuxSessionsNamed } from '../support/tmuxServer';
import { waitFor } from '../support/wait';

const CLI = join(REPO, 'dist', 'cli.js');
const CLAUDE = join(REPO, 'node_modules', '.bin', 'claude');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('the keeper, with no VS Code at all', () => {
  let root: string;
  let workspace: string;
  let stateHome: string;
  let socket: string;
  let fake: FakeMessagesApi;
  let home: ClaudeHome;
  let keeper: ChildProcess | undefined;
  let output = '';
  let exited: Promise<number | null> | undefined;

  const instar = (args: string[], env: Record<string, string> = {}) =>
    new Promise<Run>((resolve) => {
      execFile(process.execPath, [CLI, ...args], { env: { ...process.env, XDG_STATE_HOME: stateHome, ...env }, cwd: workspace, timeout: 120_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
      );
    });
  const config = async () => JSON.parse(await readFile(join(workspace, '.instar', 'config.json'), 'utf8')) as { port: number; authToken: string };
  const asAgent = async (args: string[]) => {
    const { port, authToken } = await config();
    // As a session's Bash would: the API in its environment.
    return instar(args, { INSTAR_SERVER_URL: `http://127.0.0.1:${port}`, INSTAR_AUTH_TOKEN: authToken });
  };
  const tmuxHas = (name: string) => tmuxSessionsNamed(socket, name).length > 0;

  /** A workspace folder of its own with these settings in its .vscode/settings.json. */
  const workspaceWith = async (name: string, settings: Record<string, unknown>) => {
    const folder = join(root, name);
    await mkdir(join(folder, '.vscode'), { recursive: true });
    await writeFile(join(folder, '.vscode', 'settings.json'), JSON.stringify(settings));
    return folder;
  };
  /** dist/keeper.js started as a window starts it (not through the CLI), its output gathered. */
  const startKeeperProcess = (args: string[]) => {
    const child = spawn(process.execPath, [join(REPO, 'dist', 'keeper.js'), ...args], { env: { ...process.env, XDG_STATE_HOME: stateHome }, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
    const ended = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { child, log: () => log, ended };
  };

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'instar-keeper-'));
    workspace = join(root, 'workspace');
    stateHome = join(root, 'state');
    await mkdir(join(workspace, '.vscode'), { recursive: true });
    await mkdir(join(workspace, '.instar'), { recursive: true });
    socket = privateSocket('keeper');
    fake = await FakeMessagesApi.start(scriptedReply);
    home = await makeClaudeHome({ baseUrl: fake.url, trustedDirs: [workspace] });
    // As a person writes it in VS Code: a comment, a trailing comma.
    await writeFile(
      join(workspace, '.vscode', 'settings.json'),
      `{
  // The team of this project
  "instar.tmux.socket": ${JSON.stringify(socket)},
  "instar.agent.command": ${JSON.stringify(CLAUDE)},
  "instar.agent.environment": ${JSON.stringify(home.env)},
  "instar.api.port": 0,
}
`,
    );
    await writeFile(join(workspace, '.instar', 'jobs.json'), JSON.stringify([{ slug: 'tick', schedule: '* * * * *', prompt: 'Tick from the keeper', endWhenIdleSeconds: 5 }]));
  });

  after(async () => {
    if (keeper && keeper.exitCode === null) keeper.kill('SIGKILL');
    cleanupSocket(socket);
    await fake.close();
    await home.dispose();
    await rm(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  });

  it('refuses a workspace that is not a folder, and an unknown argument, saying what it takes', async () => {
    const missing = await instar(['keeper', '--workspace', join(root, 'nowhere')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /The workspace .*nowhere is not a folder\.\nUsage: instar keeper \[status \| start \| stop\] \[--workspace <folder>\]/);
    const unknown = await instar(['keeper', '--port', '1']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Unknown option --port\.\nUsage: instar keeper \[status \| start \| stop\] \[--workspace <folder>\]/);
  });

  it('serves the API with the workspace token: an agent spawns a helper and gets its answer', async () => {
    const started = Date.now();
    keeper = spawn(process.execPath, [CLI, 'keeper', '--workspace', workspace], { env: { ...process.env, XDG_STATE_HOME: stateHome }, stdio: ['ignore', 'pipe', 'pipe'] });
    keeper.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    keeper.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    exited = new Promise((resolve) => keeper!.on('exit', (code) => resolve(code)));
    await waitFor('the API in the log', () => /API listening on http:\/\/127\.0\.0\.1:\d+/.test(output), 30_000, 100);
    console.log(`keeper serving ${Date.now() - started} ms after it was started`);
    assert.match(output, /State folder .*instar-sessions\/workspaces\/[0-9a-f]{16} \(no window of this workspace noted one\)/);
    // The keeper says it runs once its API listens: the line may come a moment after.
    await waitFor('the keeper saying that it leads', () => /The keeper of .* runs \(pid \d+\): 0 sessions known, .*leading/.test(output), 10_000, 50);

    const helper = await asAgent(['spawn', 'helper', 'Hello from an agent', '--result', '--timeout', '90']);
    assert.equal(helper.code, 0, `instar spawn --result: ${helper.stderr}\n${output}`);
    assert.match(helper.stdout, /Answer to: Hello from an agent/);
    const listed = await asAgent(['list', '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    const helperRow = (JSON.parse(listed.stdout) as { name: string; status: string }[]).find((session) => session.name === 'helper');
    assert.equal(helperRow?.status, 'idle');
    // A wrong token is refused, as in a window.
    const { port } = await config();
    const wrong = await instar(['list'], { INSTAR_SERVER_URL: `http://127.0.0.1:${port}`, INSTAR_AUTH_TOKEN: 'not-the-token' });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /token/i);
  });

  it("runs the workspace's scheduled job, whose run ends once idle", async () => {
    const names = async () => (JSON.parse((await asAgent(['list', '--json'])).stdout) as { name: string; status: string }[]).filter((session) => session.name.startsWith('job-tick-'));
    const run = await waitFor('a run of the job', async () => (await names())[0], 75_000, 1000);
    console.log(`the job's run ${run.name}: ${run.status}`);
    await waitFor(`${run.name} to end after its idle limit`, async () => (await names()).find((session) => session.name === run.name && session.status === 'completed'), 90_000, 1000);
    assert.match(output, /Spawned job-tick-\d{8}-\d{4}/);
  });

  it('keeps its record in the state folder, and on SIGTERM stops, leaving the sessions in tmux', async () => {
    const stateDir = /State folder (\S+) /.exec(output)![1];
    const record = JSON.parse(await readFile(join(stateDir, 'keeper-record.json'), 'utf8')) as Record<string, unknown>;
    assert.ok(JSON.stringify(record).includes('"helper"'), 'the record holds the sessions');
    const info = JSON.parse(await readFile(join(stateDir, 'keeper.json'), 'utf8')) as { pid: number; port: number };
    assert.equal(info.port, (await config()).port);
    keeper!.kill('SIGTERM');
    assert.equal(await exited, 0, output);
    assert.match(output, /The keeper stopped; the sessions go on in tmux/);
    assert.equal(existsSync(join(stateDir, 'keeper.json')), false, 'keeper.json goes with it');
    assert.equal(tmuxHas('helper'), true, 'the helper still runs');
    const log = await readFile(join(stateDir, 'keeper.log'), 'utf8');
    assert.match(log, /API listening on/);
  });

  it('starts in the background, says that it runs, and stops, from the command line', async () => {
    const stateDir = /State folder (\S+) /.exec(output)![1];
    const none = await instar(['keeper', 'status', '--workspace', workspace]);
    assert.equal(none.code, 0, none.stderr);
    assert.match(none.stdout, /^No keeper runs for /);
    const started = await instar(['keeper', 'start', '--workspace', workspace]);
    assert.equal(started.code, 0, started.stderr);
    const pid = Number(/\(pid (\d+)\)/.exec(started.stdout)?.[1]);
    assert.match(started.stdout, /it ends once nothing is left to keep for 10 minutes/);
    // Detached: the command that started it is gone, the keeper is not.
    process.kill(pid, 0);
    const status = await instar(['keeper', 'status', '--workspace', workspace]);
    assert.match(status.stdout, new RegExp(`runs \\(pid ${pid}\\) since .*its API on http://127\\.0\\.0\\.1:\\d+`));
    const again = await instar(['keeper', 'start', '--workspace', workspace]);
    assert.match(again.stdout, new RegExp(`runs already \\(pid ${pid}\\)`));
    const stopped = await instar(['keeper', 'stop', '--workspace', workspace]);
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.match(stopped.stdout, new RegExp(`Stopped the keeper \\(pid ${pid}\\); the sessions go on in tmux`));
    assert.throws(() => process.kill(pid, 0), 'it is gone');
    assert.equal(existsSync(join(stateDir, 'keeper-stopped.json')), true, 'windows leave it stopped');
    assert.equal(tmuxHas('helper'), true);
    const wrong = await instar(['keeper', 'restart']);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /Unknown keeper command "restart": use status, start or stop/);
  });

  it('runs with no API until it is stopped (nothing it keeps holds the process)', async () => {
    const folder = join(root, 'no-api-workspace');
    await mkdir(folder);
    const { child, log, ended } = startKeeperProcess(['--workspace', folder, '--no-api']);
    try {
      await waitFor('it to run', () => /The keeper of .* runs \(pid \d+\)/.test(log()), 30_000, 50);
      await new Promise((resolve) => setTimeout(resolve, 3000));
      assert.equal(child.exitCode, null, `still running:\n${log()}`);
      child.kill('SIGTERM');
      assert.equal(await ended, 0);
      assert.match(log(), /The keeper stopped/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('leaves the lead to a window at once when it dies as it takes it (no wait for the hand-over to time out)', async () => {
    const folder = await workspaceWith('handover-workspace', { 'instar.tmux.socket': socket, 'instar.agent.command': CLAUDE, 'instar.api.port': 0 });
    const { stateDir } = await findWorkspace(folder, join(stateHome, 'instar-sessions'));
    await mkdir(stateDir, { recursive: true });
    const { host: window, leading } = await HostProcess.start({ label: 'window', stateDir, storageFile: join(root, 'handover-window.json'), socket, agentCommand: CLAUDE, cwd: folder, secret: await leadSecret(stateDir) });
    try {
      assert.equal(leading, true);
      const { child } = startKeeperProcess(['--workspace', folder, '--no-api']);
      await waitFor('the window to hand the lead over', () => window.lostAt, 30_000, 1);
      child.kill('SIGKILL');
      const killedAt = Date.now();
      await waitFor('the window to lead again', () => (window.leadingAt ?? 0) > window.lostAt!, 30_000, 5);
      const gap = window.leadingAt! - killedAt;
      console.log(`the window led ${gap} ms after the keeper died taking the lead`);
      assert.ok(gap < 4000, `before the hand-over's 5 s wait would have ended: ${gap} ms\n${window.logs.join('\n')}`);
    } finally {
      await window.kill9();
    }
  });

  it('ends by itself after its linger once its last session ended and no job is enabled, and not before', async () => {
    const quiet = await workspaceWith('quiet-workspace', { 'instar.tmux.socket': socket, 'instar.agent.command': CLAUDE, 'instar.agent.environment': home.env, 'instar.api.port': 0 });
    // As a window starts it, with a linger (here 6 s).
    const { child, log, ended } = startKeeperProcess(['--workspace', quiet, '--linger-minutes', '0.1']);
    try {
      const url = await waitFor('its API', () => /API listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(log())?.[1], 30_000, 50);
      const { authToken } = JSON.parse(await readFile(join(quiet, '.instar', 'config.json'), 'utf8')) as { authToken: string };
      const agent = (args: string[]) => instar(args, { INSTAR_SERVER_URL: url, INSTAR_AUTH_TOKEN: authToken });
      const spawned = await agent(['spawn', 'short-lived', 'Hello']);
      assert.equal(spawned.code, 0, `${spawned.stderr}\n${log()}`);
      // A live session: the keeper stays past its linger.
      await new Promise((resolve) => setTimeout(resolve, 9000));
      assert.equal(child.exitCode, null, `it stayed while a session was live:\n${log()}`);
      const killedAt = Date.now();
      assert.equal((await agent(['kill', 'short-lived'])).code, 0);
      assert.equal(await Promise.race([ended, new Promise((resolve) => setTimeout(() => resolve('still running'), 30_000))]), 0, log());
      const after = Date.now() - killedAt;
      console.log(`the keeper ended ${after} ms after its last session did (linger 6 s)`);
      assert.ok(after >= 5000, `not before its linger: ${after} ms`);
      assert.match(log(), /nothing left to keep for 6 s \(no live session, no enabled job\)/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('tells a person away with no window open, and a window that takes over from a killed keeper sends what it was trying, once', async () => {
    const receiver = await startReceiver();
    const folder = join(root, 'notify-workspace');
    const agentHome = await makeClaudeHome({ baseUrl: fake.url, trustedDirs: [folder] });
    // The first three tries are refused: the keeper's first, then it is killed before its next.
    const webhookUrl = `${receiver.url}/fail-3/away`;
    await workspaceWith('notify-workspace', {
      'instar.tmux.socket': socket,
      'instar.agent.command': CLAUDE,
      'instar.agent.environment': agentHome.env,
      'instar.api.port': 0,
      'instar.permissionMode': 'default',
      'instar.notify.webhookUrl': webhookUrl,
    });
    const { stateDir } = await findWorkspace(folder, join(stateHome, 'instar-sessions'));
    const { child, log, ended } = startKeeperProcess(['--workspace', folder]);
    let window: HostProcess | undefined;
    try {
      const url = await waitFor('its API', () => /API listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(log())?.[1], 30_000, 50);
      const { authToken } = JSON.parse(await readFile(join(folder, '.instar', 'config.json'), 'utf8')) as { authToken: string };
      const spawned = await instar(['spawn', 'asks', 'USE-A-TOOL please'], { INSTAR_SERVER_URL: url, INSTAR_AUTH_TOKEN: authToken });
      assert.equal(spawned.code, 0, `${spawned.stderr}\n${log()}`);
      const [first] = await waitFor('the keeper to send "waiting"', () => (receiver.at('/fail-3/away').length > 0 ? receiver.at('/fail-3/away') : undefined), 90_000, 10);
      // Killed between its tries (the next one 2 s after the first), once the record says it is sending.
      const sending = async () => Object.values(JSON.parse(await readFile(join(stateDir, 'notified.json'), 'utf8').catch(() => '{}')) as Record<string, { state: string; pid?: number }>);
      await waitFor('"sending" on record', async () => (await sending()).some((entry) => entry.state === 'sending' && entry.pid === child.pid) || undefined, 10_000, 10);
      child.kill('SIGKILL');
      await ended;
      const document = JSON.parse(first.body) as Record<string, string>;
      assert.deepEqual([document.event, document.session, document.state, document.detail], ['waiting', 'asks', 'waiting', 'permission: Bash'], 'sent by the keeper with no window open');
      const triedByKeeper = receiver.at('/fail-3/away').length;
      // A window opens and leads: what the keeper was sending goes once, the same delivery.
      ({ host: window } = await HostProcess.start({ label: 'window', stateDir, storageFile: join(root, 'notify-window.json'), socket, agentCommand: CLAUDE, cwd: folder, secret: await leadSecret(stateDir), notify: { webhookUrl } }));
      await waitFor('a delivery that lands', () => receiver.at('/fail-3/away').some((request) => request.status === 200) || undefined, 30_000, 20);
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const requests = receiver.at('/fail-3/away');
      console.log(`the keeper tried ${triedByKeeper} time(s) before it was killed; the window ${requests.length - triedByKeeper}`);
      assert.equal(requests.filter((request) => request.status === 200).length, 1, `delivered once: ${requests.map((request) => `${request.status} ${request.body}`).join('\n')}\n${window.logs.join('\n')}`);
      assert.deepEqual(new Set(requests.map((request) => request.headers['x-instar-delivery'])), new Set([document.id]), 'every try the same event');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await window?.kill9();
      await receiver.close();
      await agentHome.dispose();
    }
  });
});
