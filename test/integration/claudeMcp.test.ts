/**
 * Sessions that steer sessions through Instar's MCP tools, with real Claude Code processes: every
 * spawned Claude Code gets `instar mcp` by a per-session `--mcp-config` (no setting changed). The
 * fake Messages API answers the lead's prompt with a call of the spawn tool; the sibling starts
 * and answers; the lead's next call, wait with its result, brings the sibling's answer back as the
 * tool's result. The user's own MCP server, configured in that HOME, is still offered beside
 * Instar's. For the oldest and the newest Claude Code of the supported range.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApiServer } from '../../src/core/http/apiServer';
import { agentApiEnvironment, generateToken } from '../../src/core/http/instarConfig';
import { silentLogger } from '../../src/core/util/host';
import { ClaudeRig, startClaudeRig } from '../support/claudeRig';
import { claudesUnderTest } from '../support/claudeVersions';
import { REPO } from '../support/engineHarness';
import type { Handler } from '../support/fakeMessagesApi';
import { scriptedReply } from '../support/scriptedReplies';
import { waitForStatus } from '../support/wait';

const SIBLING_ANSWER = 'The code is 4242, from the sibling.';

const handler: Handler = (request) => {
  if (request.hasToolResult) {
    if (request.toolResultText.includes(SIBLING_ANSWER)) return { kind: 'text', text: `Sibling answered: ${SIBLING_ANSWER}` };
    // Claude Code gives the model the tool's structured result (as JSON) where there is one.
    if (/Spawned mcp-sib|"name":"mcp-sib"/.test(request.toolResultText)) return { kind: 'tool', name: 'mcp__instar__wait', input: { name: 'mcp-sib', until: ['idle'], timeoutSeconds: 180, result: true } };
    return { kind: 'text', text: `The tool said: ${request.toolResultText.slice(0, 300)}` };
  }
  const newest = request.lastUserText.trim().split('\n').pop() ?? '';
  if (newest.includes('ASK-THROUGH-MCP')) return { kind: 'tool', name: 'mcp__instar__spawn', input: { name: 'mcp-sib', prompt: 'What is the SIBLING-CODE?', label: 'helpers' } };
  if (newest.includes('SIBLING-CODE')) return { kind: 'text', text: SIBLING_ANSWER };
  return scriptedReply(request);
};

/** The user's own MCP server (one tool, "ping"), as a person would have configured it for Claude Code. */
function userServerScript(): string {
  const sdk = join(REPO, 'node_modules', '@modelcontextprotocol', 'sdk', 'dist', 'cjs', 'server');
  return [
    `const { McpServer } = require(${JSON.stringify(join(sdk, 'mcp.js'))});`,
    `const { StdioServerTransport } = require(${JSON.stringify(join(sdk, 'stdio.js'))});`,
    "const server = new McpServer({ name: 'mine', version: '1.0.0' });",
    "server.registerTool('ping', { description: 'Answers pong' }, async () => ({ content: [{ type: 'text', text: 'pong' }] }));",
    'server.connect(new StdioServerTransport());',
    '',
  ].join('\n');
}

const versions = claudesUnderTest();
for (const { label, binary } of [...new Set([versions[0], versions.at(-1)!])]) {
  describe(`an agent spawns an agent through Instar's MCP tools (${label})`, () => {
    let rig: ClaudeRig;
    let server: ApiServer;
    const token = generateToken();

    before(async () => {
      rig = await startClaudeRig('mcp-claude', binary, 500);
      rig.api.setHandler(handler);
      server = new ApiServer(rig.h.engine, { port: 0, token, cwd: rig.cwd, version: 'x', logger: silentLogger });
      const port = await server.start();
      rig.h.engine.configure({ agentEnv: { ...rig.home.env, ...agentApiEnvironment({ port, token }, rig.cwd) } });
      // The user's own server, in the user's Claude Code configuration (~/.claude.json).
      const script = join(rig.home.home, 'my-server.cjs');
      await writeFile(script, userServerScript());
      const config = JSON.parse(await readFile(join(rig.home.home, '.claude.json'), 'utf8')) as Record<string, unknown>;
      await writeFile(join(rig.home.home, '.claude.json'), JSON.stringify({ ...config, mcpServers: { mine: { type: 'stdio', command: process.execPath, args: [script] } } }, null, 2));
    });
    after(async () => {
      await server.stop();
      await rig.dispose();
    });

    it('the lead calls spawn, then wait with the result: the sibling runs and its answer comes back as the tool result; the user\'s own server is offered too', async () => {
      // Claude Code connects MCP servers while its first turn starts (2.1.197 sends a prompt given
      // at the start before they are there): the steering comes as a follow-up, as a person's would.
      await rig.h.engine.spawn({ name: 'lead', prompt: 'Get ready', cwd: rig.cwd });
      await waitForStatus(rig.h.engine, 'lead', (record) => record.status === 'idle' && record.turns === 1, 120_000);
      const started = performance.now();
      await rig.h.engine.sendInput('lead', 'ASK-THROUGH-MCP about the code');
      const sibling = await waitForStatus(rig.h.engine, 'mcp-sib', (record) => record.turns === 1, 180_000);
      assert.equal(sibling.record.status, 'idle');
      assert.equal(sibling.record.batch, 'helpers');
      const lead = await waitForStatus(rig.h.engine, 'lead', (record) => record.status === 'idle' && record.turns === 2 && record.lastAnswer?.startsWith('Sibling answered') === true, 180_000);
      console.log(`lead asked through MCP, mcp-sib answered and lead received it in ${Math.round(performance.now() - started)} ms (mcp-sib idle at ${sibling.ms} ms, lead at ${lead.ms} ms)`);
      const toolResults = rig.api.requests.filter((request) => request.hasToolResult && !request.isSide).map((request) => request.toolResultText);
      assert.equal(toolResults.length, 2, `two tool calls ran: ${JSON.stringify(toolResults)}`);
      assert.match(toolResults[0], /Spawned mcp-sib: starting · claude \S+ · 0 turns · label helpers\.|"name":"mcp-sib","status":"starting"/);
      assert.ok(toolResults[1].includes(SIBLING_ANSWER), `the wait's result: ${toolResults[1].slice(0, 300)}`);
      // What the lead was offered: Instar's tools and the user's own, side by side (as tools, or
      // named for tool search where Claude Code defers them).
      const asked = rig.api.requests.find((request) => !request.isSide && request.lastUserText.includes('ASK-THROUGH-MCP'))!;
      const offered = JSON.stringify(asked.body);
      for (const tool of ['mcp__instar__spawn', 'mcp__instar__wait', 'mcp__instar__result', 'mcp__instar__list', 'mcp__mine__ping']) assert.ok(offered.includes(tool), `${tool} offered`);
      assert.equal((await rig.h.engine.result('lead')).answer, `Sibling answered: ${SIBLING_ANSWER}`);
    });
  });
}
