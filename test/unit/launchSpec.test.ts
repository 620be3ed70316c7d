/**
 * How an agent is started: the route its prompt takes, the argv (run for real through the fixed
 * wrapper), and the hooks each Claude Code version is given.
 */
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AgentVersions, isAtLeast, packageVersion, parseAgentVersion } from '../../src/core/agent/agentVersion';
import { REPO } from '../support/engineHarness';
import { HOOK_EVENTS, hookEventsFor } from '../../src/core/agent/hookSettings';
import { agentKindOf, CLI_DEFAULT_MODEL } from '../../src/core/agent/agentKinds';
import { codexHookOverrides, codexMcpOverrides, codexSessionOverrides } from '../../src/core/agent/codexConfig';
import { withOurMcpServer } from '../../src/core/agent/geminiHome';
import { instarMcpServer, MCP_TOOL_TIMEOUT_SECONDS } from '../../src/core/agent/instarMcpServer';
import { MAX_WAIT_SECONDS } from '../../src/core/http/sessionWaits';
import { launchArgv, MAX_ARG_PROMPT_BYTES, MAX_INLINE_PROMPT_BYTES, promptRoute } from '../../src/core/agent/launchSpec';
import { ExecaRunner, ProcessRunner } from '../../src/core/util/commandRunner';
import { silentLogger } from '../../src/core/util/host';

describe('launch', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'instar-launch-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('knows Codex by its program, and starts it with its per-session overrides, its model unless the default, and the prompt after --', () => {
    assert.equal(agentKindOf('/usr/lib/node_modules/.bin/codex'), 'codex');
    assert.equal(agentKindOf('claude'), 'claude');
    assert.equal(agentKindOf('/opt/bin/gemini'), 'gemini');
    assert.equal(agentKindOf('aider'), 'other');
    const base = { agentCommand: '/bin/codex', agentKind: 'codex' as const, sessionId: 'id', permissionMode: 'default' as const, settingsFile: undefined, statusFile: '/s', extraArgs: ['--x'], env: {} };
    const overrides = [...codexHookOverrides('hook "cmd"', ['Stop']), ...codexSessionOverrides('/work/a "b"')];
    const argv = launchArgv({ ...base, model: 'gpt-6-sol', prompt: '-dash first', kindConfig: overrides });
    assert.deepEqual(argv.slice(argv.indexOf('/bin/codex') + 1), [...overrides, '-m', 'gpt-6-sol', '--ask-for-approval', 'on-request', '--x', '--', '-dash first']);
    const resumed = launchArgv({ ...base, model: 'gpt-6-sol', permissionMode: 'bypassPermissions', prompt: undefined, resumeId: 'c0ffee', kindConfig: overrides });
    assert.deepEqual(resumed.slice(resumed.indexOf('/bin/codex') + 1, resumed.indexOf('/bin/codex') + 3), ['resume', 'c0ffee'], 'resume is a subcommand: first');
    assert.ok(resumed.includes('--dangerously-bypass-approvals-and-sandbox'));
    assert.deepEqual(overrides.slice(0, 2), ['-c', 'hooks.Stop=[{hooks=[{type="command",command="hook \\"cmd\\"",timeout=10}]}]'], 'a TOML string, quotes escaped');
    assert.ok(overrides.includes('projects."/work/a \\"b\\"".trust_level="trusted"'));
    const byDefault = launchArgv({ ...base, model: CLI_DEFAULT_MODEL, prompt: undefined });
    assert.ok(!byDefault.includes('-m') && byDefault[byDefault.length - 1] === '--x', 'no -m, no prompt');
  });

  it('routes a prompt by its size: tmux command, a file read by the wrapper, or a paste', () => {
    assert.equal(promptRoute(''), 'none');
    assert.equal(promptRoute('x'.repeat(MAX_INLINE_PROMPT_BYTES)), 'inline');
    assert.equal(promptRoute('x'.repeat(MAX_INLINE_PROMPT_BYTES + 1)), 'file');
    assert.equal(promptRoute('é'.repeat(MAX_INLINE_PROMPT_BYTES / 2 + 1)), 'file', 'bytes, not characters');
    assert.equal(promptRoute('x'.repeat(MAX_ARG_PROMPT_BYTES)), 'file');
    assert.equal(promptRoute('x'.repeat(MAX_ARG_PROMPT_BYTES + 1)), 'paste');
  });

  it('hands a 127 KiB prompt from its file to the agent as one argument, byte for byte', async () => {
    const line = 'Line\twith a TAB, "double" and \'single\' quotes, $(not run) `nor this` ; & | > é ✓ \\ end\n';
    const prompt = `-starts with a dash\n${line.repeat(Math.floor((MAX_ARG_PROMPT_BYTES - 100) / Buffer.byteLength(line)))}\n\n`;
    assert.equal(promptRoute(prompt), 'file');
    const promptFile = join(dir, 'prompt.txt');
    await writeFile(promptFile, prompt);
    const statusFile = join(dir, 'status');
    const argv = launchArgv({
      agentCommand: process.execPath,
      agentKind: 'other',
      sessionId: 'id-1',
      model: 'sonnet',
      permissionMode: 'default',
      settingsFile: undefined,
      statusFile,
      extraArgs: ['-e', 'require("fs").writeFileSync(process.env.OUT, JSON.stringify(process.argv.slice(1)))', '--'],
      prompt: undefined,
      promptFile,
      env: { OUT: join(dir, 'argv.json') },
    });
    const result = await new ProcessRunner().run(argv[0], argv.slice(1), { timeoutMs: 30_000 });
    assert.equal(result.exitCode, 0, result.stderr);
    const received = JSON.parse(await readFile(join(dir, 'argv.json'), 'utf8')) as string[];
    assert.equal(received.length, 1);
    assert.equal(received[0].length, prompt.length);
    assert.ok(received[0] === prompt, 'the same bytes, trailing newlines included');
    assert.equal((await readFile(statusFile, 'utf8')).trim(), '0', 'the wrapper wrote the exit status');
  });

  it('gives Claude Code "--" before a prompt from a file, and its settings only when there are some', () => {
    const common = { agentCommand: 'claude', agentKind: 'claude' as const, sessionId: 'id', model: 'sonnet', permissionMode: 'default' as const, statusFile: '/s', extraArgs: [], env: {} };
    const fromFile = launchArgv({ ...common, settingsFile: '/settings.json', prompt: undefined, promptFile: '/p' });
    assert.equal(fromFile[fromFile.length - 1], '--');
    assert.ok(fromFile.includes('--settings'));
    assert.equal(fromFile[5], '/p', 'the wrapper is told where the prompt is');
    const none = launchArgv({ ...common, settingsFile: undefined, prompt: undefined });
    assert.ok(!none.includes('--settings'));
    assert.ok(!none.includes('--'));
    // Its MCP configuration (which takes several files) is followed by an option, never by the prompt; never --strict-mcp-config.
    const withMcp = launchArgv({ ...common, settingsFile: '/settings.json', prompt: 'Hello', kindConfig: ['--mcp-config', '/mcp.json'] });
    const at = withMcp.indexOf('--mcp-config');
    assert.deepEqual(withMcp.slice(at, at + 3), ['--mcp-config', '/mcp.json', '--settings']);
    assert.ok(!withMcp.includes('--strict-mcp-config'));
    const bare = launchArgv({ ...common, settingsFile: undefined, prompt: 'Hello', kindConfig: ['--mcp-config', '/mcp.json'] });
    assert.ok(bare[bare.indexOf('/mcp.json') + 1].startsWith('--'), `an option after the file: ${bare.join(' ')}`);
  });
});

describe('Claude Code versions', () => {
  it('reads the version it prints and compares versions', () => {
    assert.deepEqual(parseAgentVersion('2.1.332 (Claude Code)\n')?.parts, [2, 1, 332]);
    assert.equal(parseAgentVersion('no version here'), undefined);
    const v = parseAgentVersion('2.1.89')!;
    assert.ok(isAtLeast(v, '2.1.89'));
    assert.ok(isAtLeast(v, '2.0.999'));
    assert.ok(!isAtLeast(v, '2.1.90'));
    assert.ok(!isAtLeast(v, '3.0.0'));
  });

  it('gives each version only the hook events it knows (an unknown one blocks it at start)', () => {
    assert.deepEqual(hookEventsFor(parseAgentVersion('2.1.197')), HOOK_EVENTS, 'the oldest supported version knows them all');
    assert.deepEqual(hookEventsFor(undefined), HOOK_EVENTS, 'an unknown version gets what the oldest supported one knows');
    const old = hookEventsFor(parseAgentVersion('2.1.77'));
    for (const event of ['StopFailure', 'PermissionDenied', 'PostToolUseFailure']) assert.ok(!old.includes(event), `2.1.77 does not know ${event}`);
    for (const event of ['SessionStart', 'Stop', 'Elicitation']) assert.ok(old.includes(event), `2.1.77 knows ${event}`);
  });

  it('asks a binary once, and again when it changes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'instar-version-'));
    try {
      const program = join(dir, 'claude');
      const calls = join(dir, 'calls');
      const write = (version: string) => writeFile(program, `#!/bin/sh\necho x >> ${JSON.stringify(calls)}\necho "${version} (Claude Code)"\n`);
      await write('2.1.260');
      await chmod(program, 0o755);
      const versions = new AgentVersions(new ExecaRunner(), silentLogger);
      assert.equal((await versions.of(program))?.text, '2.1.260');
      assert.equal((await versions.of(program))?.text, '2.1.260');
      assert.equal((await readFile(calls, 'utf8')).split('\n').filter(Boolean).length, 1, 'asked once');
      await new Promise((resolve) => setTimeout(resolve, 20));
      await write('2.1.332 ');
      assert.equal((await versions.of(program))?.text, '2.1.332', 'an update in place is seen');
      assert.equal(await versions.of(join(dir, 'missing')), undefined);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("reads an npm-installed agent CLI's version from its package (the same as its --version), without starting it; another package's is asked", async () => {
    for (const cli of ['claude', 'codex', 'gemini']) {
      const program = join(REPO, 'node_modules', '.bin', cli);
      const read = await packageVersion(program);
      assert.ok(read, `${cli}: its package read`);
      const said = await new ExecaRunner().run(program, ['--version'], { timeoutMs: 30_000 });
      assert.equal(read.version.text, parseAgentVersion(said.stdout)?.text, `${cli}: ${read.name} ${read.version.text} vs "${said.stdout.trim()}"`);
    }
    const dir = await mkdtemp(join(tmpdir(), 'instar-version-'));
    try {
      // A script in a package that is not an agent CLI's: its own package.json is not taken for the CLI's.
      await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'my-wrapper', version: '9.9.9' }));
      const program = join(dir, 'claude');
      await writeFile(program, '#!/bin/sh\necho "2.1.332 (Claude Code)"\n');
      await chmod(program, 0o755);
      assert.equal(await packageVersion(program), undefined);
      assert.equal((await new AgentVersions(new ExecaRunner(), silentLogger).of(program))?.text, '2.1.332');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("Instar's MCP server for each agent kind", () => {
  const server = instarMcpServer('/state/bin');

  it('is `instar mcp` from the folder of the instar command, its tools given the longest wait and a minute', () => {
    assert.deepEqual(server, { command: '/state/bin/instar', args: ['mcp'] });
    assert.equal(MCP_TOOL_TIMEOUT_SECONDS, MAX_WAIT_SECONDS + 60);
  });

  it('reaches Codex as one -c inline table that names the variables it needs and gives its tools an hour and a minute', () => {
    assert.deepEqual(codexMcpOverrides({ command: '/a "b"/instar', args: ['mcp'] }), [
      '-c',
      'mcp_servers.instar={command="/a \\"b\\"/instar",args=["mcp"],env_vars=["INSTAR_SERVER_URL","INSTAR_AUTH_TOKEN","INSTAR_CONFIG_FILE","INSTAR_SESSION_NAME"],tool_timeout_sec=3660}',
    ]);
  });

  it("reaches Gemini CLI beside the user's own servers, its variables let through Gemini's redaction, and allowed where the user lists the allowed servers", () => {
    const user = {
      mcpServers: { mine: { command: 'mine' } },
      security: { auth: { selectedType: 'gemini-api-key' }, environmentVariableRedaction: { enabled: true, allowed: ['MY_TOKEN'] } },
      mcp: { allowed: ['mine'] },
    };
    const merged = withOurMcpServer(user, server) as any;
    assert.deepEqual(merged.mcpServers, { mine: { command: 'mine' }, instar: { command: '/state/bin/instar', args: ['mcp'], timeout: 3_660_000 } });
    assert.deepEqual(merged.security.auth, { selectedType: 'gemini-api-key' });
    assert.equal(merged.security.environmentVariableRedaction.enabled, true);
    assert.deepEqual(merged.security.environmentVariableRedaction.allowed, ['MY_TOKEN', 'INSTAR_SERVER_URL', 'INSTAR_AUTH_TOKEN', 'INSTAR_CONFIG_FILE', 'INSTAR_SESSION_NAME']);
    assert.deepEqual(merged.mcp.allowed, ['mine', 'instar']);
    assert.equal('mcp' in withOurMcpServer({}, server), false, 'no allow-list made where the user has none');
  });
});
