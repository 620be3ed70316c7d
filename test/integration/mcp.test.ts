/**
 * `instar mcp` (dist/cli.js → dist/mcp.js, as shipped) driven over stdio by the MCP SDK's own
 * client, against the real API and engine on real tmux. The agents are the quiet stand-in; the
 * test writes their hook events as Claude Code would. Each tool, its structured output, and bad
 * input answered with a tool error that says what is allowed, the server still serving after.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ApiServer } from '../../src/core/http/apiServer';
import { generateToken } from '../../src/core/http/instarConfig';
import { silentLogger } from '../../src/core/util/host';
import { Harness, REPO, startHarness } from '../support/engineHarness';
import { writeHookEvent, writeQuietAgent } from '../support/quietAgent';
import { tmuxOn } from '../support/tmuxServer';
import { waitForStatus } from '../support/wait';

const CLI = join(REPO, 'dist', 'cli.js');
const TOOLS = ['spawn', 'list', 'status', 'output', 'send', 'wait', 'result', 'kill'];

/** A client of `instar mcp` started as an agent CLI starts an MCP server: a process on stdio. */
async function connect(env: Record<string, string | undefined>, cwd: string, args: string[] = []): Promise<{ client: Client; transport: StdioClientTransport; stderr: () => string }> {
  const merged: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, ...env })) if (value !== undefined) merged[key] = value;
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, 'mcp', ...args], env: merged, cwd, stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name: 'instar-test', version: '0' });
  await client.connect(transport);
  return { client, transport, stderr: () => stderr };
}

const text = (result: unknown) => ((result as CallToolResult).content[0] as { text: string }).text;

describe('instar mcp: the team as MCP tools over stdio', () => {
  let h: Harness;
  let api: ApiServer;
  let port: number;
  let events: string;
  let mcp: Awaited<ReturnType<typeof connect>>;
  const token = generateToken();
  const call = (name: string, args: Record<string, unknown>) => mcp.client.callTool({ name, arguments: args }) as Promise<CallToolResult>;
  const idOf = (name: string) => h.engine.require(name).id;
  /** A turn as Claude Code's hooks tell it. */
  const turn = async (name: string, answer: string) => {
    await writeHookEvent(events, idOf(name), { hook_event_name: 'UserPromptSubmit' });
    await waitForStatus(h.engine, name, 'running', 30_000);
    await writeHookEvent(events, idOf(name), { hook_event_name: 'Stop', last_assistant_message: answer });
  };

  before(async () => {
    const agent = await writeQuietAgent(join(tmpdir(), `instar-mcp-agent-${process.pid}`));
    h = await startHarness('mcp', { agentCommand: agent });
    events = join(h.stateDir, 'events');
    api = new ApiServer(h.engine, { port: 0, token, cwd: h.root, version: 'x', logger: silentLogger });
    port = await api.start();
    const started = performance.now();
    mcp = await connect({ INSTAR_SERVER_URL: `http://127.0.0.1:${port}`, INSTAR_AUTH_TOKEN: token }, h.root);
    console.log(`  instar mcp answered initialize ${Math.round(performance.now() - started)} ms after it was started`);
  });
  after(async () => {
    await mcp?.client.close();
    await api?.stop();
    await h?.dispose();
  });

  it('lists its tools, each with an input schema that names its fields and an output schema', async () => {
    const { tools } = await mcp.client.listTools();
    assert.deepEqual(tools.map((tool) => tool.name).sort(), [...TOOLS].sort());
    const spawn = tools.find((tool) => tool.name === 'spawn')!;
    assert.deepEqual(spawn.inputSchema.required?.sort(), ['name', 'prompt']);
    assert.ok(['agent', 'model', 'label', 'worktree', 'permissionMode'].every((field) => field in (spawn.inputSchema.properties ?? {})));
    assert.ok(tools.every((tool) => tool.outputSchema), 'structured output everywhere');
    assert.equal(mcp.client.getServerVersion()?.name, 'instar');
  });

  it('spawns, lists, reads, sends, waits with progress and the result, and kills, through the API', async () => {
    const spawned = await call('spawn', { name: 'mcp-one', prompt: 'Look at $(this) and "that"', label: 'crew', model: 'haiku' });
    assert.equal(spawned.isError, undefined, text(spawned));
    assert.equal((spawned.structuredContent as any).session.name, 'mcp-one');
    assert.match(text(spawned), /^Spawned mcp-one: starting · claude haiku · 0 turns · label crew\./);
    assert.equal(h.engine.require('mcp-one').prompt, 'Look at $(this) and "that"', 'the prompt as given, never through a shell');
    await turn('mcp-one', 'First look done.');
    await waitForStatus(h.engine, 'mcp-one', 'idle', 30_000);

    const listed = await call('list', { label: 'crew' });
    assert.deepEqual((listed.structuredContent as any).sessions.map((s: any) => s.name), ['mcp-one']);
    assert.deepEqual((await call('list', { status: 'running' })).structuredContent, { sessions: [] });
    const status = await call('status', { name: 'mcp-one' });
    assert.equal((status.structuredContent as any).session.status, 'idle');
    const output = await call('output', { name: 'mcp-one', lines: 5 });
    assert.equal(output.isError, undefined, text(output));
    assert.equal(typeof (output.structuredContent as any).output, 'string');

    // A wait that has to wait: progress while it does, then the answer.
    const progress: string[] = [];
    const sent = await call('send', { name: 'mcp-one', text: 'And now?' });
    assert.equal(sent.isError, undefined, text(sent));
    const since = (sent.structuredContent as any).sentAt as string;
    const waiting = mcp.client.callTool({ name: 'wait', arguments: { name: 'mcp-one', since, until: ['idle'], timeoutSeconds: 60, result: true } }, undefined, {
      onprogress: (note) => progress.push(note.message ?? ''),
      timeout: 90_000,
    }) as Promise<CallToolResult>;
    await new Promise((resolve) => setTimeout(resolve, 5500));
    await turn('mcp-one', 'Here is what I found.');
    const waited = await waiting;
    assert.equal(waited.isError, undefined, text(waited));
    assert.deepEqual(waited.structuredContent, { reached: [{ name: 'mcp-one', reached: 'idle' }], answer: 'Here is what I found.' });
    assert.equal(text(waited), 'Here is what I found.');
    assert.ok(progress.some((message) => /^\d+ s: mcp-one (idle|running)$/.test(message)), `progress while waiting: ${JSON.stringify(progress)}`);
    const result = await call('result', { name: 'mcp-one' });
    assert.deepEqual([(result.structuredContent as any).answer, (result.structuredContent as any).turns], ['Here is what I found.', 2]);

    const killed = await call('kill', { name: 'mcp-one' });
    assert.equal(killed.isError, undefined, text(killed));
    assert.deepEqual(killed.structuredContent, { session: 'mcp-one', killed: true });
    await waitForStatus(h.engine, 'mcp-one', 'killed', 30_000);
    const again = await call('kill', { name: 'mcp-one' });
    assert.equal(again.isError, true);
    assert.match(text(again), /Session "mcp-one" has already ended \(killed\)/);
  });

  it('answers bad input with a tool error that says what is allowed, and keeps serving', async () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['launch', {}, /Tool launch not found/],
      ['spawn', { prompt: 'x' }, /name: the session's name, a string of 1 to 64 lower-case letters a-z, digits 0-9 and "-"/],
      ['spawn', { name: 'bad name!', prompt: 'x' }, /Invalid session name "bad name!"/],
      ['spawn', { name: 'ok-name', prompt: 'x', colour: 'red' }, /Unknown field "colour": this tool takes name, prompt, agent, model/],
      ['spawn', { name: 'ok-name', prompt: 'x', agent: 'cursor' }, /expected one of "claude"\|"codex"\|"gemini"\|"other" at agent/],
      ['spawn', { name: 'big', prompt: 'x'.repeat(600 * 1024) }, /512000 bytes|500 KiB/],
      ['wait', { name: 'nobody', timeoutSeconds: 1 }, /nobody/],
      ['wait', {}, /wait takes either "name" \(one session\) or "label"/],
      ['send', { name: 'nobody', text: 'x', option: 'Yes' }, /send takes either "text" .* or "option"/],
      ['output', { name: 'nobody', lines: 0 }, /lines: how many lines, a whole number from 1 to 10000/],
    ];
    for (const [tool, args, expected] of cases) {
      const answer = await call(tool, args);
      assert.equal(answer.isError, true, `${tool} ${JSON.stringify(args).slice(0, 80)}: ${text(answer)}`);
      assert.match(text(answer), expected, `${tool} ${JSON.stringify(args).slice(0, 80)}`);
    }
    assert.equal((await call('list', {})).isError, undefined, 'still serving');
    assert.equal(mcp.stderr(), '', 'nothing went wrong on its side');
  });

  it("serves the same tools in process, as VS Code's chat runs them (dist/mcp.js over the API's routes, no HTTP), with the API's checks and texts", async () => {
    // As the extension loads it: the shipped bundle, by its path.
    const { connectInProcess } = require(join(REPO, 'dist', 'mcp.js')) as typeof import('../../src/core/mcp/inProcess');
    const inProcess = new ApiServer(h.engine, { port: 0, token: generateToken(), cwd: h.root, version: 'x', logger: silentLogger });
    const tools = await connectInProcess((method, target, body, signal) => inProcess.dispatch(method, target, body, signal), 'x');
    try {
      const listed = await tools.list();
      assert.deepEqual(listed.map((tool) => tool.name).sort(), [...TOOLS].sort());
      // package.json declares the same tools to VS Code's chat, with the same input schemas.
      const manifest = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { contributes: { languageModelTools: { name: string; modelDescription: string; inputSchema: unknown }[] } };
      const declared = manifest.contributes.languageModelTools.map((tool) => [tool.name, tool.inputSchema]);
      assert.deepEqual(declared, listed.map((tool) => { const { $schema: _, ...schema } = tool.inputSchema; return [`instar_${tool.name}`, schema]; }), 'package.json says what the server takes');
      const options = { timeoutMs: 60_000 };
      const spawned = await tools.call('spawn', { name: 'chat-one', prompt: 'From the chat; $(no shell)', label: 'chat' }, options);
      assert.deepEqual([spawned.isError, (spawned.structured?.session as { name?: string }).name], [false, 'chat-one'], spawned.text);
      assert.equal(h.engine.require('chat-one').prompt, 'From the chat; $(no shell)');
      await turn('chat-one', 'Done from the chat.');
      const waited = await tools.call('wait', { name: 'chat-one', until: ['idle'], timeoutSeconds: 30, result: true }, options);
      assert.deepEqual([waited.isError, waited.text], [false, 'Done from the chat.']);
      for (const [tool, args, expected] of [
        ['status', { name: 'nobody' }, /No session named "nobody"|nobody/],
        ['spawn', { name: 'chat-one', prompt: 'again' }, /already|exists/],
        ['spawn', { name: 'big', prompt: 'x'.repeat(600 * 1024) }, /512000 bytes|500 KiB/],
      ] as const) {
        const refused = await tools.call(tool, args, options);
        assert.equal(refused.isError, true, `${tool}: ${refused.text}`);
        assert.match(refused.text, expected);
      }
      assert.deepEqual(await inProcess.dispatch('GET', '/events'), [400, { error: 'The event stream is served over HTTP only.' }]);
      assert.deepEqual((await inProcess.dispatch('PUT', '/sessions/chat-one'))[0], 405);
      assert.equal((await tools.call('kill', { name: 'chat-one' }, options)).text, 'Killed chat-one.');
    } finally {
      await tools.close();
    }
  });

  it('is given to every session by --mcp-config, unless instar.agent.mcpServer is off', async () => {
    const agent = await writeQuietAgent(join(tmpdir(), `instar-mcp-agent-${process.pid}`));
    const withCli = await startHarness('mcpcfg', { agentCommand: agent, cli: { runtime: process.execPath, script: CLI } });
    try {
      const startCommand = async (name: string) => {
        const record = await withCli.engine.spawn({ name, prompt: 'x', cwd: withCli.root });
        return tmuxOn(withCli.socket, 'display-message', '-p', '-t', `=${record.tmuxSession}:`, '#{pane_start_command}');
      };
      const given = await startCommand('with-mcp');
      const config = /--mcp-config '?([^' ]+)/.exec(given)?.[1];
      assert.ok(config, `--mcp-config in ${given.slice(0, 400)}`);
      assert.deepEqual(JSON.parse(await readFile(config, 'utf8')), { mcpServers: { instar: { type: 'stdio', command: join(withCli.stateDir, 'bin', 'instar'), args: ['mcp'] } } });
      assert.doesNotMatch(given, /--strict-mcp-config/);
      withCli.engine.configure({ mcpServer: false });
      assert.doesNotMatch(await startCommand('without-mcp'), /--mcp-config/);
    } finally {
      await withCli.dispose();
    }
  });

  it('started by hand with --workspace, finds the API through the workspace\'s .instar/config.json', async () => {
    const workspace = join(h.root, 'by-hand');
    await mkdir(join(workspace, '.instar'), { recursive: true });
    await writeFile(join(workspace, '.instar', 'config.json'), JSON.stringify({ port, authToken: token }));
    const byHand = await connect({ INSTAR_SERVER_URL: undefined, INSTAR_AUTH_TOKEN: undefined, INSTAR_CONFIG_FILE: undefined }, tmpdir(), ['--workspace', workspace]);
    try {
      const listed = (await byHand.client.callTool({ name: 'list', arguments: {} })) as CallToolResult;
      assert.equal(listed.isError, undefined, text(listed));
      assert.ok(Array.isArray((listed.structuredContent as any).sessions));
    } finally {
      await byHand.client.close();
    }
  });

  it('refuses a workspace that is not a folder, saying so (exit status 2)', async () => {
    const { status, stderr } = spawnSync(process.execPath, [CLI, 'mcp', '--workspace', join(h.root, 'nowhere')], { encoding: 'utf8', input: '' });
    assert.equal(status, 2);
    assert.match(stderr, /The workspace .*nowhere is not a folder\.\nUsage: instar mcp \[--workspace <folder>\]/);
  });

  it('says clearly when no API answers', async () => {
    const lost = await connect({ INSTAR_SERVER_URL: undefined, INSTAR_AUTH_TOKEN: undefined, INSTAR_CONFIG_FILE: undefined }, tmpdir());
    try {
      const answer = await lost.client.callTool({ name: 'list', arguments: {} }) as CallToolResult;
      assert.equal(answer.isError, true);
      assert.match(text(answer), /No Instar Sessions API to talk to: INSTAR_SERVER_URL and INSTAR_AUTH_TOKEN are not set/);
      const gone = await connect({ INSTAR_SERVER_URL: 'http://127.0.0.1:9', INSTAR_AUTH_TOKEN: 'x' }, tmpdir());
      const refused = await gone.client.callTool({ name: 'status', arguments: { name: 'x' } }) as CallToolResult;
      assert.match(text(refused), /Cannot reach the Instar Sessions API at http:\/\/127\.0\.0\.1:9 \(from INSTAR_SERVER_URL\)/);
      await gone.client.close();
    } finally {
      await lost.client.close();
    }
  });
});
