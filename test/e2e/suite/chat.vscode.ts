/**
 * Instar's tools in VS Code's chat, inside a real VS Code (code-server) with the real claude CLI:
 * listed to the chat with their schemas, and invoked through VS Code's own API as the chat
 * invokes them. (Outside a chat VS Code asks a tool's confirmation as a modal dialog, which it
 * confirms by itself while extension tests run: the question and a refusal are tested in the
 * UI test, vscode.test.ts.)
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import * as vscode from 'vscode';
import { waitFor, waitForStatus } from '../../support/wait';
import { AGENT_MS, instar } from './helpers';

const TOOLS = ['instar_kill', 'instar_list', 'instar_output', 'instar_result', 'instar_send', 'instar_spawn', 'instar_status', 'instar_wait'];

/** Invokes a tool as the chat would (no chat request behind it); resolves with its text. */
async function invoke(name: string, input: Record<string, unknown>): Promise<string> {
  const result = await vscode.lm.invokeTool(name, { input, toolInvocationToken: undefined });
  return result.content.map((part) => (part instanceof vscode.LanguageModelTextPart ? part.value : '')).join('');
}

describe("Instar's tools in VS Code's chat", () => {
  it('are listed to the chat, each with its input schema', async () => {
    await instar();
    const ours = vscode.lm.tools.filter((tool) => tool.name.startsWith('instar_'));
    assert.deepEqual(ours.map((tool) => tool.name).sort(), TOOLS);
    const spawn = ours.find((tool) => tool.name === 'instar_spawn')!;
    assert.deepEqual((spawn.inputSchema as { required?: string[] }).required, ['name', 'prompt']);
    assert.ok(spawn.tags.includes('instar'));
    assert.match(spawn.description, /Start an agent in a tmux session of its own/);
  });

  it('spawns a session: in the tree at once, and open as an editor terminal', async () => {
    const api = await instar();
    const text = await invoke('instar_spawn', { name: 'chat-one', prompt: 'Hello from the chat', model: 'haiku', label: 'chat' });
    assert.match(text, /^Spawned chat-one: starting · claude haiku · 0 turns · label chat\./);
    const row = api.tree.getChildren().find((node) => node.kind === 'session' && node.name === 'chat-one');
    assert.ok(row, 'chat-one is in the Sessions view');
    await waitFor("chat-one's editor terminal", () => api.terminals.terminalOf('chat-one') !== undefined, 30_000);
  });

  it("waits for it and reads its answer; bad input is refused in the tools' words; kills it", async () => {
    const api = await instar();
    const answered = await invoke('instar_wait', { name: 'chat-one', until: ['idle'], timeoutSeconds: 90, result: true });
    assert.equal(answered, 'Answer to: Hello from the chat');
    assert.match(await invoke('instar_list', { label: 'chat' }), /^chat-one: idle · claude haiku · 1 turn · label chat$/);
    await assert.rejects(invoke('instar_output', { name: 'chat-one', lines: 0 }), /lines: how many lines, a whole number from 1 to 10000/);
    await assert.rejects(invoke('instar_status', { name: 'nobody' }), /nobody/);
    await assert.rejects(invoke('instar_list', { colour: 'red' }), /Unknown field "colour": this tool takes status, label/);
    assert.equal(await invoke('instar_kill', { name: 'chat-one' }), 'Killed chat-one.');
    await waitForStatus(api.engine, 'chat-one', 'killed', AGENT_MS);
  });
});
