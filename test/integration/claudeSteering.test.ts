/**
 * Sessions that steer sessions, with real Claude Code processes: the fake Messages API answers
 * one session's prompt with a Bash tool call running the skill's own command, `instar spawn …
 * --result`; the sibling starts, answers, and its answer comes back to the first session as the
 * tool's output. For each Claude Code version of the supported range.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiServer } from '../../src/core/http/apiServer';
import { agentApiEnvironment, generateToken } from '../../src/core/http/instarConfig';
import { silentLogger } from '../../src/core/util/host';
import { ClaudeRig, startClaudeRig } from '../support/claudeRig';
import { claudesUnderTest } from '../support/claudeVersions';
import type { Handler } from '../support/fakeMessagesApi';
import { scriptedReply } from '../support/scriptedReplies';
import { waitForStatus } from '../support/wait';

const SIBLING_ANSWER = 'The code is 4242, from the sibling.';
/** The command the skill teaches for "start one and get its answer". */
const SPAWN_COMMAND = "instar spawn sib-one 'What is the SIBLING-CODE?' --result --timeout 180";

const handler: Handler = (request) => {
  if (request.hasToolResult) {
    return { kind: 'text', text: request.toolResultText.includes(SIBLING_ANSWER) ? `Sibling answered: ${SIBLING_ANSWER}` : `The command printed: ${request.toolResultText.slice(0, 300)}` };
  }
  const newest = request.lastUserText.trim().split('\n').pop() ?? '';
  if (newest.includes('ASK-A-SIBLING')) return { kind: 'tool', name: 'Bash', input: { command: SPAWN_COMMAND, description: 'Ask a sibling session' } };
  if (newest.includes('SIBLING-CODE')) return { kind: 'text', text: SIBLING_ANSWER };
  return scriptedReply(request);
};

for (const { label, binary } of claudesUnderTest()) {
  describe(`an agent spawns an agent (${label})`, () => {
    let rig: ClaudeRig;
    let server: ApiServer;
    const token = generateToken();

    before(async () => {
      rig = await startClaudeRig('steer-claude', binary, 500);
      rig.api.setHandler(handler);
      server = new ApiServer(rig.h.engine, { port: 0, token, cwd: rig.cwd, version: 'x', logger: silentLogger });
      const port = await server.start();
      rig.h.engine.configure({ agentEnv: { ...rig.home.env, ...agentApiEnvironment({ port, token }) } });
    });
    after(async () => {
      await server.stop();
      await rig.dispose();
    });

    it("through the skill's command: the sibling runs its prompt, and its answer reaches the first session", async () => {
      const started = performance.now();
      await rig.h.engine.spawn({ name: 'lead', prompt: 'ASK-A-SIBLING about the code', cwd: rig.cwd });
      const sibling = await waitForStatus(rig.h.engine, 'sib-one', (record) => record.turns === 1, 180_000);
      assert.equal(sibling.record.status, 'idle');
      assert.equal(sibling.record.cwd, rig.cwd);
      const lead = await waitForStatus(rig.h.engine, 'lead', (record) => record.status === 'idle' && record.turns === 1, 180_000);
      console.log(`lead asked, sib-one answered and lead received it in ${Math.round(performance.now() - started)} ms (sib-one idle at ${sibling.ms} ms, lead at ${lead.ms} ms)`);
      // The tool's output, as Claude Code sent it to the model: the sibling's answer, printed by instar.
      const toolResult = rig.api.requests.find((request) => request.hasToolResult);
      assert.ok(toolResult, 'the Bash tool ran and its output went back to the model');
      assert.ok(toolResult.toolResultText.includes(SIBLING_ANSWER), `the tool printed: ${toolResult.toolResultText.slice(0, 500)}`);
      assert.equal((await rig.h.engine.result('sib-one')).answer, SIBLING_ANSWER);
      assert.equal((await rig.h.engine.result('lead')).answer, `Sibling answered: ${SIBLING_ANSWER}`);
      assert.equal(rig.api.userPrompts().filter((prompt) => prompt.includes('SIBLING-CODE')).length, 1);
    });
  });
}
