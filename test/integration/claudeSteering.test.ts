/**
 * Sessions that steer sessions, with real Claude Code processes: the fake Messages API answers
 * one session's prompt with a Bash tool call running the skill's own spawn command; the sibling
 * starts and answers; the first session's next tool call waits for it and reads its result with
 * the skill's commands, and the answer comes back as the tool's output. For each Claude Code
 * version of the supported range.
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
/** The skill's commands: start a helper; then wait for its turn and read its answer. */
const SPAWN_COMMAND = "instar spawn sib-one 'What is the SIBLING-CODE?' --label helpers";
const GATHER_COMMAND = 'instar wait sib-one --timeout 180 && instar result sib-one';

const handler: Handler = (request) => {
  if (request.hasToolResult) {
    if (request.toolResultText.includes('Spawned sib-one')) return { kind: 'tool', name: 'Bash', input: { command: GATHER_COMMAND, description: 'Wait for the sibling and read its answer' } };
    return { kind: 'text', text: request.toolResultText.includes(SIBLING_ANSWER) ? `Sibling answered: ${SIBLING_ANSWER}` : `The command printed: ${request.toolResultText.slice(0, 300)}` };
  }
  const newest = request.lastUserText.trim().split('\n').pop() ?? '';
  if (newest.includes('ASK-A-SIBLING')) return { kind: 'tool', name: 'Bash', input: { command: SPAWN_COMMAND, description: 'Start a sibling session' } };
  if (newest.includes('SIBLING-CODE')) return { kind: 'text', text: SIBLING_ANSWER };
  return scriptedReply(request);
};

for (const { label, binary } of claudesUnderTest()) {
  describe(`an agent spawns an agent (${label})`, () => {
    let rig: ClaudeRig;
    let server: ApiServer;
    let base: string;
    const token = generateToken();

    before(async () => {
      rig = await startClaudeRig('steer-claude', binary, 500);
      rig.api.setHandler(handler);
      server = new ApiServer(rig.h.engine, { port: 0, token, cwd: rig.cwd, version: 'x', logger: silentLogger });
      const port = await server.start();
      base = `http://127.0.0.1:${port}`;
      rig.h.engine.configure({ agentEnv: { ...rig.home.env, ...agentApiEnvironment({ port, token }, rig.cwd) } });
    });
    after(async () => {
      await server.stop();
      await rig.dispose();
    });

    it("through the skill's commands: the sibling runs its prompt, and the first session waits for it and reads its answer", async () => {
      const started = performance.now();
      await rig.h.engine.spawn({ name: 'lead', prompt: 'ASK-A-SIBLING about the code', cwd: rig.cwd });
      const sibling = await waitForStatus(rig.h.engine, 'sib-one', (record) => record.turns === 1, 180_000);
      assert.equal(sibling.record.status, 'idle');
      assert.equal(sibling.record.cwd, rig.cwd);
      const lead = await waitForStatus(rig.h.engine, 'lead', (record) => record.status === 'idle' && record.turns === 1 && record.lastAnswer?.startsWith('Sibling answered') === true, 180_000);
      console.log(`lead asked, sib-one answered and lead received it in ${Math.round(performance.now() - started)} ms (sib-one idle at ${sibling.ms} ms, lead at ${lead.ms} ms)`);
      // The tools' output, as Claude Code sent it to the model: the spawn, then the sibling's answer, printed by instar.
      const toolResults = rig.api.requests.filter((request) => request.hasToolResult).map((request) => request.toolResultText);
      assert.equal(toolResults.length, 2, `two tool calls ran: ${JSON.stringify(toolResults)}`);
      assert.match(toolResults[0], /Spawned sib-one \(starting\)\./);
      assert.ok(toolResults[1].includes(`sib-one: idle\n${SIBLING_ANSWER}`), `the second tool printed: ${toolResults[1].slice(0, 500)}`);
      // In the API as in the engine (the tree's source), with the label the skill's command gave it.
      const listed = (await (await fetch(`${base}/sessions?label=helpers`, { headers: { authorization: `Bearer ${token}` } })).json()) as { name: string; status: string }[];
      assert.deepEqual(listed.map((session) => [session.name, session.status]), [['sib-one', 'idle']]);
      assert.equal((await rig.h.engine.result('sib-one')).answer, SIBLING_ANSWER);
      assert.equal((await rig.h.engine.result('lead')).answer, `Sibling answered: ${SIBLING_ANSWER}`);
      assert.equal(rig.api.userPrompts().filter((prompt) => prompt.includes('SIBLING-CODE')).length, 1);
    });
  });
}

/** A runaway, as a loop in a session's Bash call: helpers until the cap; a helper that goes one deeper than allowed. */
const LOOP_COMMAND = 'for i in 1 2 3 4; do instar spawn loop-$i "Say hello" --model haiku; done; echo LOOP-DONE';
const DEEPER_COMMAND = "instar spawn too-deep 'Never runs'";

const loopHandler: Handler = (request) => {
  if (request.hasToolResult) return { kind: 'text', text: `Tool said: ${request.toolResultText.slice(0, 1500)}` };
  const newest = request.lastUserText.trim().split('\n').pop() ?? '';
  if (newest.includes('SPAWN-IN-A-LOOP')) return { kind: 'tool', name: 'Bash', input: { command: LOOP_COMMAND, description: 'Spawn helpers in a loop', timeout: 120000 } };
  if (newest.includes('GO-DEEPER')) return { kind: 'tool', name: 'Bash', input: { command: DEEPER_COMMAND, description: 'Spawn a helper of my own' } };
  return scriptedReply(request);
};

const newest = claudesUnderTest().at(-1)!;
describe(`a runaway of agents spawning agents is stopped at the limits (${newest.label})`, () => {
  let rig: ClaudeRig;
  let server: ApiServer;
  const token = generateToken();

  before(async () => {
    rig = await startClaudeRig('loop-claude', newest.binary, 500);
    rig.api.setHandler(loopHandler);
    server = new ApiServer(rig.h.engine, { port: 0, token, cwd: rig.cwd, version: 'x', logger: silentLogger });
    const port = await server.start();
    rig.h.engine.configure({ agentEnv: { ...rig.home.env, ...agentApiEnvironment({ port, token }, rig.cwd) }, maxLiveSessions: 3, maxSpawnDepth: 1 });
  });
  after(async () => {
    await server.stop();
    await rig.dispose();
  });

  it("a session whose Bash call spawns helpers in a loop gets the cap's words past it; a helper's own helper is refused for the depth; nothing running is touched", async () => {
    await rig.h.engine.spawn({ name: 'looper', prompt: 'SPAWN-IN-A-LOOP now', cwd: rig.cwd });
    const looper = await waitForStatus(rig.h.engine, 'looper', (record) => record.status === 'idle' && record.turns === 1, 180_000);
    const said = looper.record.lastAnswer ?? '';
    assert.ok(said.includes('Spawned loop-1') && said.includes('Spawned loop-2') && said.includes('LOOP-DONE'), said);
    assert.equal(said.split('Not spawned: 3 sessions of this workspace are live, the most instar.sessions.maxLive allows (3). Wait for one to end or kill one, or raise instar.sessions.maxLive.').length - 1, 2, `loop-3 and loop-4 refused with the cap's words: ${said}`);
    assert.deepEqual(['loop-3', 'loop-4'].map((name) => rig.h.engine.get(name)), [undefined, undefined]);
    for (const name of ['loop-1', 'loop-2']) {
      const helper = await waitForStatus(rig.h.engine, name, 'idle', 120_000);
      assert.deepEqual([helper.record.parent, helper.record.depth], ['looper', 1]);
    }
    // Room for one more, but not that deep: loop-1's own helper would be 2 deep of at most 1.
    await rig.h.engine.kill('loop-2');
    await rig.h.engine.sendInput('loop-1', 'GO-DEEPER please');
    const helper = await waitForStatus(rig.h.engine, 'loop-1', (record) => record.status === 'idle' && record.turns === 2, 120_000);
    assert.match(helper.record.lastAnswer ?? '', /Not spawned: too-deep would be 2 deep in a chain of agents spawning agents \(looper → loop-1 → too-deep\), deeper than instar\.sessions\.maxSpawnDepth allows \(1\)\. Raise instar\.sessions\.maxSpawnDepth to go deeper\./);
    assert.equal(rig.h.engine.get('too-deep'), undefined);
    assert.deepEqual(['looper', 'loop-1'].map((name) => rig.h.engine.get(name)?.status), ['idle', 'idle'], 'nothing running was touched');
  });
});
