/**
 * Agent kinds: which CLI a spawn starts and with what program, its model in that CLI's terms,
 * Gemini CLI's launch and its hooks given through a home of its own, and its events read as
 * Claude Code's.
 */
import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLI_DEFAULT_MODEL } from '../../src/core/agent/agentKinds';
import { GEMINI_HOOK_EVENTS, prepareGeminiHome } from '../../src/core/agent/geminiHome';
import { launchArgv } from '../../src/core/agent/launchSpec';
import { chooseAgent, missingAgent, modelFor } from '../../src/core/sessions/agentChoice';
import { parseHookPayload } from '../../src/core/status/hookEvents';
import { InstarError, isInstarError } from '../../src/core/util/errors';

describe('agent kinds', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'instar-kinds-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('starts the kind a spawn names, each with its own program, and the default kind with the agent command and its arguments', () => {
    assert.deepEqual(chooseAgent({}), { kind: 'claude', command: 'claude', args: [] });
    const options = { agentCommand: '/opt/claude', agentArgs: ['--verbose'], agentPrograms: { gemini: { command: '/opt/gem', args: ['--x'] } } };
    assert.deepEqual(chooseAgent(options), { kind: 'claude', command: '/opt/claude', args: ['--verbose'] });
    assert.deepEqual(chooseAgent(options, 'codex'), { kind: 'codex', command: 'codex', args: [] }, 'its name on PATH, not the default kind\'s arguments');
    assert.deepEqual(chooseAgent(options, 'gemini'), { kind: 'gemini', command: '/opt/gem', args: ['--x'] });
    // As before there were kinds: a program that is not Claude Code is the default kind's.
    assert.deepEqual(chooseAgent({ agentCommand: '/usr/bin/aider', agentArgs: ['--yes'] }), { kind: 'other', command: '/usr/bin/aider', args: ['--yes'] });
    assert.deepEqual(chooseAgent({ agentCommand: '/x/codex' }, undefined).kind, 'codex');
    assert.equal(chooseAgent({ defaultAgent: 'gemini' }).command, 'gemini');
    const refusal = (run: () => unknown, pattern: RegExp) =>
      assert.throws(run, (error: unknown) => isInstarError(error, 'invalid-input') && pattern.test((error as Error).message));
    refusal(() => chooseAgent({}, 'aider'), /Unknown agent "aider": use one of claude, codex, gemini, other/);
    refusal(() => chooseAgent({}, 'other'), /No program is set for agent "other"/);
    const missing = missingAgent('gemini', 'gemini', new InstarError('agent-missing', "Claude Code's words"));
    assert.ok(isInstarError(missing, 'agent-missing'));
    assert.match((missing as Error).message, /^Gemini CLI was not found \("gemini" is not on PATH or not executable\)\. Install it \("npm install -g @google\/gemini-cli"\) or set instar\.agent\.gemini\.command/);
    const other = new Error('disk full');
    assert.equal(missingAgent('codex', 'codex', other), other, 'another error as it is');
  });

  it("gives each kind a model in its own terms: Claude Code's aliases by default become the CLI's own default, asked for by name they are refused", () => {
    assert.equal(modelFor('claude', undefined, 'opus'), 'opus');
    assert.equal(modelFor('codex', undefined, 'sonnet'), CLI_DEFAULT_MODEL);
    assert.equal(modelFor('codex', 'gpt-6-sol', 'sonnet'), 'gpt-6-sol');
    assert.equal(modelFor('gemini', 'flash', 'sonnet'), 'flash');
    assert.equal(modelFor('gemini', 'default', undefined), CLI_DEFAULT_MODEL);
    assert.throws(() => modelFor('codex', 'opus', undefined), /Invalid model "opus" for Codex: use "default" \(Codex's own\) or a model id/);
    assert.throws(() => modelFor('gemini', 'claude-sonnet-4-5', undefined), /for Gemini CLI: use .*gemini-2\.5-pro/);
    assert.throws(() => modelFor('gemini', 'a b', undefined), /Invalid model "a b"/);
  });

  it('starts Gemini CLI trusted for this session, with our id, its model unless the default, its approval mode and the prompt as -i\'s value', () => {
    const base = { agentCommand: '/bin/gemini', agentKind: 'gemini' as const, sessionId: '0f6a2b1c-3d4e-4f50-8a9b-0c1d2e3f4a5b', settingsFile: undefined, statusFile: '/s', extraArgs: ['--x'], env: {} };
    const argv = launchArgv({ ...base, model: 'gemini-2.5-flash', permissionMode: 'default', prompt: '-starts with a dash' });
    assert.deepEqual(argv.slice(argv.indexOf('/bin/gemini') + 1), ['-m', 'gemini-2.5-flash', '--skip-trust', '--session-id', base.sessionId, '--approval-mode', 'default', '--x', '--prompt-interactive=-starts with a dash']);
    const resumed = launchArgv({ ...base, model: CLI_DEFAULT_MODEL, permissionMode: 'bypassPermissions', prompt: undefined, resumeId: 'abc' });
    assert.deepEqual(resumed.slice(resumed.indexOf('/bin/gemini') + 1), ['--skip-trust', '--resume', 'abc', '--approval-mode', 'yolo', '--x']);
  });

  it("reads Gemini CLI's events as the Claude Code events that mean the same", () => {
    const parse = (payload: Record<string, unknown>) => parseHookPayload('id-1', JSON.stringify({ session_id: 's', transcript_path: '/t.jsonl', cwd: '/w', timestamp: '2026-12-06T10:00:00Z', ...payload }), 1000)!;
    assert.equal(parse({ hook_event_name: 'BeforeAgent', prompt: 'Hi' }).name, 'UserPromptSubmit');
    const after = parse({ hook_event_name: 'AfterAgent', prompt: 'Hi', prompt_response: 'Hello there', stop_hook_active: false });
    assert.equal(after.name, 'Stop');
    assert.equal(after.answer, 'Hello there');
    const tool = parse({ hook_event_name: 'BeforeTool', tool_name: 'run_shell_command', tool_input: { command: 'touch x' } });
    assert.equal(tool.name, 'PreToolUse');
    assert.equal(tool.toolAsk, 'run_shell_command: touch x');
    assert.equal(parse({ hook_event_name: 'AfterTool', tool_name: 'run_shell_command' }).name, 'PostToolUse');
    assert.equal(parse({ hook_event_name: 'Notification', notification_type: 'ToolPermission', message: 'allow?' }).notificationType, 'permission_prompt');
    assert.equal(parse({ hook_event_name: 'SessionEnd', reason: 'exit' }).reason, 'prompt_input_exit');
    // Claude Code's own are as they were.
    assert.equal(parse({ hook_event_name: 'SessionEnd', reason: 'other' }).reason, 'other');
    assert.equal(parse({ hook_event_name: 'Stop', last_assistant_message: 'A' }).answer, 'A');
  });

  it("makes Gemini CLI a home of its own: the user's settings with our hooks added, every other entry a link to the user's", async () => {
    const user = join(dir, 'user');
    await mkdir(join(user, '.gemini'), { recursive: true });
    await writeFile(join(user, '.gemini', 'oauth_creds.json'), '{}');
    await writeFile(join(user, '.gemini', 'settings.json'), '{\n  // the user\'s own\n  "security": { "auth": { "selectedType": "gemini-api-key" } },\n  "hooks": { "AfterAgent": [{ "hooks": [{ "type": "command", "command": "theirs" }] }] },\n}\n');
    const home = join(dir, 'state', 'gemini-home');
    assert.equal(await prepareGeminiHome(home, user, 'ours'), home);
    const settings = JSON.parse(await readFile(join(home, '.gemini', 'settings.json'), 'utf8')) as { security: unknown; hooks: Record<string, { matcher?: string; hooks: { command: string; timeout: number }[] }[]> };
    assert.deepEqual(settings.security, { auth: { selectedType: 'gemini-api-key' } }, "the user's settings");
    assert.deepEqual(Object.keys(settings.hooks).sort(), [...GEMINI_HOOK_EVENTS].sort());
    assert.deepEqual(settings.hooks.AfterAgent.map((entry) => entry.hooks[0].command), ['theirs', "ours; printf '{}'"], 'theirs first, then ours');
    assert.equal(settings.hooks.BeforeTool[0].matcher, '*');
    assert.equal(settings.hooks.BeforeTool[0].hooks[0].timeout, 10_000, 'milliseconds');
    for (const name of ['oauth_creds.json', 'tmp', 'history']) {
      assert.ok((await lstat(join(home, '.gemini', name))).isSymbolicLink(), `${name} is a link`);
      assert.equal(await readlink(join(home, '.gemini', name)), join(user, '.gemini', name));
    }
    assert.ok((await lstat(join(user, '.gemini', 'tmp'))).isDirectory(), "the user's chats folder made, as Gemini would");
    // Again (another spawn): no error for the links there, settings written anew.
    await writeFile(join(user, '.gemini', 'settings.json'), '{ "ui": { "theme": "Dracula" } }');
    await prepareGeminiHome(home, user, 'ours');
    assert.deepEqual((JSON.parse(await readFile(join(home, '.gemini', 'settings.json'), 'utf8')) as { ui: unknown }).ui, { theme: 'Dracula' });
    await writeFile(join(user, '.gemini', 'settings.json'), '{ "ui": ');
    await assert.rejects(prepareGeminiHome(home, user, 'ours'), /The Gemini CLI settings .*settings\.json cannot be read/);
  });
});
