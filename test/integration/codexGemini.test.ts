/**
 * Codex and Gemini CLI as agent kinds: the real CLIs (pinned) in tmux against fake model APIs on
 * loopback, every other host behind a dead proxy. For each, the scenario Claude Code has: a
 * prompt taken and answered with its state from its own hooks (no first-run dialog, the user's
 * own settings untouched), the answer as the result, the conversation view and search, tokens
 * counted from its transcript, a follow-up, the end when idle, and a lost tmux server resumed
 * with the conversation intact. Then the three kinds as one team.
 */
import assert from 'node:assert/strict';
import { access, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApiServer } from '../../src/core/http/apiServer';
import { agentApiEnvironment, generateToken } from '../../src/core/http/instarConfig';
import type { AgentKind, SessionRecord } from '../../src/core/model/sessionRecord';
import type { EngineOptions } from '../../src/core/sessions/engineOptions';
import { silentLogger } from '../../src/core/util/host';
import { ClaudeHome, makeClaudeHome } from '../support/claudeEnv';
import { claudesUnderTest } from '../support/claudeVersions';
import { Harness, REPO, startHarness } from '../support/engineHarness';
import { FakeGeminiApi } from '../support/fakeGeminiApi';
import { FakeMessagesApi } from '../support/fakeMessagesApi';
import { FakeResponsesApi } from '../support/fakeResponsesApi';
import { scriptedReply } from '../support/scriptedReplies';
import { tmuxOn } from '../support/tmuxServer';
import { waitFor, waitForStatus } from '../support/wait';

const STATE_TIMEOUT = 90_000;
const OFFLINE = { HTTPS_PROXY: 'http://127.0.0.1:9', HTTP_PROXY: 'http://127.0.0.1:9', NO_PROXY: '127.0.0.1,localhost' };
/** Distinct token counts for each turn, so that a count taken twice or not at all shows. */
const INPUT_TOKENS = 1234;
const OUTPUT_TOKENS = 56;

/** What each kind's test needs: its fake API (the prompts it got, the bodies it was sent) and how its CLI is pointed at it. */
interface Fake {
  prompts(): string[];
  bodies(): string[];
  close(): Promise<void>;
}
interface KindSetup {
  kind: AgentKind;
  title: string;
  model: string;
  /** A model the CLI would offer to replace by its successor, in a question before the first prompt. */
  upgradable?: string;
  /** Its list price in the price table (USD per million tokens), or none for a model newer than the table. */
  price?: { input: number; output: number };
  /** Starts its fake, answering "<title> heard: <prompt>"; returns it with the engine options that point the CLI at it. */
  start(home: string): Promise<{ fake: Fake; options: Partial<EngineOptions> }>;
  /** Where its transcript lives, as its hook says. */
  transcript: RegExp;
  /** Its permission dialog's first and last options: allow once, refuse. */
  allow: string;
  deny: string;
}

/** What a Claude Code sibling is asked, and what the fake Messages API answers it (scriptedReply). */
const SIBLING_PROMPT = 'What is the code?';
const SIBLING_ANSWER = `Answer to: ${SIBLING_PROMPT}`;

/**
 * "SIBLING <name>" makes the fake model steer a Claude Code sibling through Instar's MCP tools, as
 * the skill says to: spawn it, then wait for it with its result, then say what it answered. By
 * the tools' outputs the turn has had so far; undefined for any other prompt.
 */
function siblingStep(prompt: string, outputs: readonly string[]): { tool: string; args: Record<string, unknown> } | { text: string } | undefined {
  const sibling = /^SIBLING (\S+)$/.exec(prompt)?.[1];
  if (!sibling) return undefined;
  if (outputs.length === 0) return { tool: 'spawn', args: { name: sibling, prompt: SIBLING_PROMPT, agent: 'claude', model: 'haiku', label: 'siblings' } };
  if (outputs.length === 1) return { tool: 'wait', args: { name: sibling, until: ['idle'], timeoutSeconds: 120, result: true } };
  return { text: outputs[1].includes(SIBLING_ANSWER) ? `Sibling said: ${SIBLING_ANSWER}` : `No answer in: ${outputs.join(' | ').slice(0, 400)}` };
}

/** "TOUCH <file>" makes the fake model ask for a shell command that makes the file; with its result back, it answers. */
const touchOf = (prompt: string): string | undefined => /^TOUCH (\S+)$/.exec(prompt)?.[1];

const KINDS: KindSetup[] = [
  {
    kind: 'codex',
    title: 'Codex',
    // A model with no successor: another shows Codex's "try the new model" question.
    model: 'gpt-6-sol',
    upgradable: 'gpt-5.6-sol',
    transcript: /\.codex\/sessions\/.*rollout-.*\.jsonl$/,
    allow: 'Yes, proceed (y)',
    deny: 'No, and tell Codex what to do differently (esc)',
    async start(home) {
      const api = await FakeResponsesApi.start((request) => {
        const step = siblingStep(request.lastUserText, request.toolOutputs.map((output) => output.output));
        if (step) return 'tool' in step ? { kind: 'mcp', server: 'instar', ...step } : { kind: 'text', text: step.text };
        const touch = touchOf(request.lastUserText);
        // Out of its sandbox: what Codex asks the user about under its on-request policy.
        if (touch && request.toolOutputs.length === 0) return { kind: 'tool', command: `touch ${touch}`, escalate: 'The test needs the file' };
        return { kind: 'text', text: touch ? 'The tool ran.' : `Codex heard: ${request.lastUserText}`, usage: { input_tokens: INPUT_TOKENS, output_tokens: OUTPUT_TOKENS } };
      });
      const turns = () => api.requests.filter((request) => !request.isSide);
      return {
        fake: { prompts: () => api.userPrompts(), bodies: () => turns().map((request) => JSON.stringify(request.body)), close: () => api.close() },
        options: {
          agentCommand: join(REPO, 'node_modules', '.bin', 'codex'),
          agentArgs: ['-c', 'model_provider="fake"', '-c', `model_providers.fake={name="fake",base_url="${api.url}",env_key="OPENAI_API_KEY",wire_api="responses"}`],
          agentEnv: { HOME: home, OPENAI_API_KEY: 'sk-fake', ...OFFLINE },
        },
      };
    },
  },
  {
    kind: 'gemini',
    title: 'Gemini',
    model: 'gemini-2.5-flash',
    price: { input: 0.3, output: 2.5 },
    transcript: /\.gemini\/tmp\/.*\/chats\/session-.*\.jsonl$/,
    allow: 'Allow once',
    deny: 'No, suggest changes (esc)',
    async start(home) {
      // The user's own settings: an API key login, as a user of the API has.
      await mkdir(join(home, '.gemini'), { recursive: true });
      await writeFile(join(home, '.gemini', 'settings.json'), JSON.stringify({ security: { auth: { selectedType: 'gemini-api-key' } } }));
      const api = await FakeGeminiApi.start((request) => {
        const step = siblingStep(request.lastUserText, request.toolResponses.map((response) => JSON.stringify(response.response)));
        if (step) return 'tool' in step ? { kind: 'mcp', server: 'instar', ...step } : { kind: 'text', text: step.text };
        const touch = touchOf(request.lastUserText);
        if (touch && request.toolResponses.length === 0) return { kind: 'tool', command: `touch ${touch}` };
        return { kind: 'text', text: touch ? 'The tool ran.' : `Gemini heard: ${request.lastUserText}`, usage: { promptTokenCount: INPUT_TOKENS, candidatesTokenCount: OUTPUT_TOKENS } };
      });
      return {
        fake: { prompts: () => api.userPrompts(), bodies: () => api.requests.map((request) => JSON.stringify(request.body)), close: () => api.close() },
        options: { agentCommand: join(REPO, 'node_modules', '.bin', 'gemini'), agentEnv: { HOME: home, GEMINI_API_KEY: 'fake-key', GOOGLE_GEMINI_BASE_URL: api.url, ...OFFLINE } },
      };
    },
  },
];

for (const setup of KINDS) {
  describe(`${setup.title} sessions (the real CLI, a fake API)`, () => {
    let h: Harness;
    let fake: Fake;
    let root: string;
    let home: string;
    let cwd: string;
    const name = (suffix: string) => `${setup.kind}-${suffix}`;
    const answerTo = (prompt: string) => `${setup.title} heard: ${prompt}`;
    const idleWith = (session: string, answer: string) =>
      waitForStatus(h.engine, session, (current) => current.status === 'idle' && current.lastAnswer === answer, STATE_TIMEOUT).then((seen) => seen.record);

    before(async () => {
      root = await mkdtemp(join(tmpdir(), `instar-${setup.kind}-`));
      home = join(root, 'home');
      cwd = join(root, 'project');
      await mkdir(cwd, { recursive: true });
      await mkdir(home, { recursive: true });
      const started = await setup.start(home);
      fake = started.fake;
      h = await startHarness(setup.kind, started.options);
    });
    after(async () => {
      await h?.dispose();
      await fake?.close();
      await rm(root, { recursive: true, force: true });
    });

    it('takes a prompt: idle from its hooks with the answer as the result; the conversation, search and tokens from its transcript; a follow-up', async () => {
      // The user's own configuration (what the CLI itself keeps there aside) holds nothing of ours.
      const ours = async () => {
        const folder = join(home, `.${setup.kind}`);
        const files = (await readdir(folder).catch(() => [] as string[])).filter((file) => /\.(json|toml)$/.test(file));
        const texts = await Promise.all(files.map(async (file) => `${file}: ${await readFile(join(folder, file), 'utf8')}`));
        return texts.filter((text) => /hook|trust|instar/i.test(text));
      };
      const spawned = await h.engine.spawn({ name: name('one'), prompt: 'Name a colour', model: setup.model, cwd });
      assert.equal(spawned.agentKind, setup.kind);
      const idle = await idleWith(name('one'), answerTo('Name a colour'));
      assert.equal(idle.statusSignal, 'hook', 'idle from its turn-end hook');
      assert.match(idle.transcriptPath ?? '', setup.transcript);
      assert.equal((await h.engine.result(name('one'))).answer, answerTo('Name a colour'));

      const reader = h.engine.conversation(name('one'))!;
      await reader.update();
      const said = reader.items.filter((item) => item.kind === 'prompt' || item.kind === 'answer').map((item) => `${item.kind}: ${'text' in item ? item.text : ''}`);
      assert.deepEqual(said, ['prompt: Name a colour', `answer: ${answerTo('Name a colour')}`], 'its own context blocks are not shown as prompts');
      const found = await h.engine.search('heard: Name');
      assert.ok(found.matches.some((match) => match.session === name('one') && match.where === 'conversation'), `search finds the answer: ${JSON.stringify(found.matches.slice(0, 3))}`);

      const counted = await waitForStatus(h.engine, name('one'), (current) => (current.usage?.tokens.output ?? 0) > 0, 30_000);
      assert.equal(counted.record.usage?.tokens.output, OUTPUT_TOKENS, 'the turn counted once');
      assert.equal(counted.record.usage?.tokens.input, INPUT_TOKENS);

      await h.engine.sendInput(name('one'), 'And a shape');
      await idleWith(name('one'), answerTo('And a shape'));
      assert.deepEqual(fake.prompts(), ['Name a colour', 'And a shape']);
      await waitForStatus(h.engine, name('one'), (current) => current.usage?.tokens.output === 2 * OUTPUT_TOKENS, 30_000);
      assert.deepEqual(await ours(), [], "nothing of ours in the user's settings");
    });

    it('ends by itself once idle past its limit (completed, exit 0)', async () => {
      await h.engine.spawn({ name: name('idle'), prompt: 'One thing', model: setup.model, cwd, idleLimitMs: 1500 });
      const done = await waitForStatus(h.engine, name('idle'), 'completed', STATE_TIMEOUT);
      assert.equal(done.record.exitCode, 0);
      assert.equal(done.record.statusDetail, 'ended when idle');
      assert.equal(done.record.lastAnswer, answerTo('One thing'));
    });

    if (setup.upgradable) {
      const upgradable = setup.upgradable;
      it(`runs a model that has a successor (${upgradable}) as asked, without the CLI's question to try the new one`, async () => {
        const session = name('older');
        await h.engine.spawn({ name: session, prompt: 'Stay on this model', model: upgradable, cwd });
        await idleWith(session, answerTo('Stay on this model'));
        const asked = fake.bodies().find((body) => body.includes('Stay on this model')) ?? '';
        assert.match(asked, new RegExp(`"model":"${upgradable.replace(/\./g, '\\.')}"`), 'the model asked for is the one used');
        await h.engine.kill(session);
      });
    }

    it('costs what the price table says; a budget stops it at the limit (an error "budget"); a model with no price warns once that no budget holds', async () => {
      const notices: string[] = [];
      const subscription = h.engine.onBudget((notice) => notices.push(`${notice.level} ${notice.session}: ${notice.message}`));
      const session = name('cost');
      try {
        await h.engine.spawn({ name: session, prompt: 'Count the cost', model: setup.model, cwd, budgetUsd: 0.01 });
        await idleWith(session, answerTo('Count the cost'));
        const first = (await waitForStatus(h.engine, session, (current) => (current.usage?.tokens.output ?? 0) > 0, 30_000)).record.usage!;
        if (setup.price) {
          assert.equal(first.costUsd.toFixed(8), ((INPUT_TOKENS * setup.price.input + OUTPUT_TOKENS * setup.price.output) / 1e6).toFixed(8), `${setup.model} at its list price`);
          assert.deepEqual([first.unpriced, notices], [undefined, []]);
        } else {
          assert.deepEqual([first.costUsd, first.unpriced], [0, [setup.model]]);
          await waitFor('the warning that no budget holds', () => notices.length > 0, 10_000);
          assert.match(notices[0], new RegExp(`^warning ${session}: ${session} uses "${setup.model}", which has no price here: .*no budget can stop it\\. Give the price in instar\\.usage\\.prices`));
        }
        // Priced now, dearly: the next turn takes it over its budget.
        h.engine.configure({ prices: { [setup.model]: { input: 10, output: 10 } } });
        await h.engine.sendInput(session, 'And once more');
        const { record } = await waitForStatus(h.engine, session, (current) => current.endedAt !== undefined, STATE_TIMEOUT);
        assert.equal(record.status, 'error', `ended as ${record.status} (${record.statusDetail ?? ''})`);
        assert.match(record.statusDetail ?? '', /^budget: \$0\.01 spent of the session's \$0\.01$/);
        assert.ok(record.usage!.costUsd >= 0.01, `spent ${record.usage!.costUsd}`);
        assert.equal(notices.filter((notice) => notice.startsWith(`exceeded ${session}:`)).length, 1);
        assert.equal(notices.filter((notice) => notice.includes('no price')).length, setup.price ? 0 : 1, `warned once at most: ${notices.join(' | ')}`);
        await assert.rejects(h.engine.resume(session), /budget; raise its budget to resume it/);
      } finally {
        subscription.dispose();
        h.engine.configure({ prices: undefined });
      }
    });

    it('asks before a tool in default mode: waiting for you, its dialog read and answered, the tool run exactly when allowed', async () => {
        for (const [session, option, outcome] of [[name('allow'), setup.allow, 'allowed'], [name('deny'), setup.deny, 'refused']] as const) {
          const file = join(cwd, `${session}.txt`);
          await h.engine.spawn({ name: session, prompt: `TOUCH ${session}.txt`, model: setup.model, cwd, permissionMode: 'default' });
          const waiting = await waitForStatus(h.engine, session, 'waiting', STATE_TIMEOUT);
          assert.match(waiting.record.toolAsk ?? '', new RegExp(`touch ${session}\\.txt`), 'what it asks, from its hook');
          const shown = await h.engine.dialog(session, 10_000);
          assert.deepEqual([shown?.options[0].label, shown?.options.at(-1)?.label, shown?.options.length], [setup.allow, setup.deny, 3]);
          const answered = await h.engine.answer(session, option);
          assert.equal(answered.outcome, outcome);
          const done = await waitForStatus(h.engine, session, 'idle', STATE_TIMEOUT);
          assert.equal(await access(file).then(() => true, () => false), outcome === 'allowed', `${file} made exactly when allowed`);
          if (outcome === 'allowed') assert.equal(done.record.lastAnswer, 'The tool ran.');
          await h.engine.kill(session);
        }
    });

    it('is lost with its tmux server, then resumed under its name with the conversation intact; then killed', async () => {
      const before = h.engine.get(name('one')) as SessionRecord;
      tmuxOn(h.socket, 'kill-server');
      await waitForStatus(h.engine, name('one'), 'lost', STATE_TIMEOUT);
      const resumed = await h.engine.resume(name('one'), 'What did I ask first?');
      assert.equal(resumed.runs, 2);
      await idleWith(name('one'), answerTo('What did I ask first?'));
      assert.equal(h.engine.get(name('one'))?.claudeSessionId, before.claudeSessionId, 'the same conversation');
      const last = fake.bodies().at(-1) ?? '';
      assert.match(last, /Name a colour[\s\S]*And a shape[\s\S]*What did I ask first\?/, 'the model got the earlier conversation');
      await h.engine.kill(name('one'));
      await waitFor('killed', () => h.engine.get(name('one'))?.status === 'killed', 30_000);
    });
  });
}

describe('a mixed team: Claude Code, Codex and Gemini CLI spawned in one batch through the API, waited on by label', () => {
  let h: Harness;
  let api: ApiServer;
  let base: string;
  let claudeApi: FakeMessagesApi;
  let codex: Fake;
  let gemini: Fake;
  let claudeHome: ClaudeHome;
  const token = generateToken();
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: response.status, json: (await response.json()) as any };
  };

  before(async () => {
    claudeApi = await FakeMessagesApi.start(scriptedReply);
    const [newest] = claudesUnderTest().slice(-1);
    // With the instar command: every session gets Instar's MCP server.
    h = await startHarness('team', { agentCommand: newest.binary, cli: { runtime: process.execPath, script: join(REPO, 'dist', 'cli.js') } });
    const cwd = join(h.root, 'project');
    await mkdir(cwd);
    claudeHome = await makeClaudeHome({ baseUrl: claudeApi.url, trustedDirs: [cwd] });
    // One HOME for the three, as a person has: each CLI finds its own folder in it.
    const [codexSetup, geminiSetup] = KINDS;
    const codexStarted = await codexSetup.start(claudeHome.home);
    const geminiStarted = await geminiSetup.start(claudeHome.home);
    codex = codexStarted.fake;
    gemini = geminiStarted.fake;
    const agentEnv = { ...claudeHome.env, ...codexStarted.options.agentEnv, ...geminiStarted.options.agentEnv, HOME: claudeHome.home };
    h.engine.configure({
      agentEnv,
      agentPrograms: { codex: { command: codexStarted.options.agentCommand, args: codexStarted.options.agentArgs }, gemini: { command: geminiStarted.options.agentCommand } },
    });
    api = new ApiServer(h.engine, { port: 0, token, cwd, version: 'x', logger: silentLogger });
    const port = await api.start();
    base = `http://127.0.0.1:${port}`;
    h.engine.configure({ agentEnv: { ...agentEnv, ...agentApiEnvironment({ port, token }, cwd) } });
  });
  after(async () => {
    await api?.stop();
    await h?.dispose();
    await Promise.all([claudeApi?.close(), codex?.close(), gemini?.close()]);
    await claudeHome?.dispose();
  });

  it('each of the three answers its own prompt, and the label wait answers when all three are idle', async () => {
    const spawned = await call('POST', '/sessions/batch', {
      label: 'team',
      sessions: [
        { name: 'by-claude', prompt: 'Survey the code', agent: 'claude', model: 'haiku' },
        { name: 'by-codex', prompt: 'Refactor the code', agent: 'codex', model: 'gpt-6-sol' },
        { name: 'by-gemini', prompt: 'Audit the code', agent: 'gemini', model: 'gemini-2.5-flash' },
      ],
    });
    assert.equal(spawned.status, 201, JSON.stringify(spawned.json));
    assert.deepEqual(spawned.json.sessions.map((entry: any) => [entry.name, entry.session.agent]), [['by-claude', 'claude'], ['by-codex', 'codex'], ['by-gemini', 'gemini']]);
    const waited = await call('GET', '/labels/team/wait?until=idle&timeout=120');
    assert.equal(waited.status, 200, JSON.stringify(waited.json));
    assert.deepEqual(waited.json.sessions.map((entry: any) => entry.reached).sort(), ['idle', 'idle', 'idle']);
    const answers = await Promise.all(['by-claude', 'by-codex', 'by-gemini'].map(async (name) => (await call('GET', `/sessions/${name}/result`)).json.answer));
    assert.deepEqual(answers, ['Answer to: Survey the code', 'Codex heard: Refactor the code', 'Gemini heard: Audit the code']);
    assert.deepEqual([codex.prompts(), gemini.prompts()], [['Refactor the code'], ['Audit the code']], 'each CLI asked its own API');
    const refused = await call('POST', '/sessions/spawn', { name: 'wrong-model', prompt: 'x', agent: 'codex', model: 'opus' });
    assert.equal(refused.status, 400);
    assert.match(refused.json.error, /Invalid model "opus" for Codex: use "default"/);
  });

  it("a Codex and a Gemini CLI session each spawn a Claude Code sibling through Instar's MCP tools, wait for it and get its answer", async () => {
    const cwd = join(h.root, 'project');
    const [codexSetup, geminiSetup] = KINDS;
    // gpt-5.5: Codex offers it MCP tools through its tool search (GPT-6 models call tools from JavaScript).
    const leads = [
      { lead: 'lead-codex', agent: 'codex', model: 'gpt-5.5', sibling: 'sib-of-codex' },
      { lead: 'lead-gemini', agent: 'gemini', model: geminiSetup.model, sibling: 'sib-of-gemini' },
    ];
    assert.notEqual(codexSetup.model, 'gpt-5.5');
    const started = performance.now();
    for (const each of leads) await h.engine.spawn({ name: each.lead, prompt: `SIBLING ${each.sibling}`, agent: each.agent as AgentKind, model: each.model, cwd });
    for (const each of leads) {
      const lead = await waitForStatus(h.engine, each.lead, (record) => record.status === 'idle' && record.turns === 1, 180_000);
      assert.equal(lead.record.lastAnswer, `Sibling said: ${SIBLING_ANSWER}`, `${each.lead} got its sibling's answer as the wait tool's result`);
      const sibling = h.engine.get(each.sibling)!;
      assert.deepEqual([sibling.agentKind, sibling.model, sibling.batch, sibling.status, sibling.lastAnswer], ['claude', 'haiku', 'siblings', 'idle', SIBLING_ANSWER]);
      console.log(`${each.lead} spawned ${each.sibling} through MCP and had its answer at ${lead.ms} ms (${Math.round(performance.now() - started)} ms since the spawns)`);
    }
    // Instar's server was offered beside each CLI's own tools, under each CLI's names for it.
    assert.ok(codex.bodies().some((body) => body.includes('mcp__instar')), 'Codex offered the mcp__instar tools');
    assert.ok(gemini.bodies().some((body) => body.includes('"mcp_instar_spawn"')), 'Gemini CLI offered mcp_instar_spawn');
  });

  it("answers a Codex and a Gemini CLI permission dialog through the API (the dialog read, one allowed, one refused): each tool runs exactly when allowed", async () => {
    const cwd = join(h.root, 'project');
    const [codexSetup, geminiSetup] = KINDS;
    const cases = [
      { name: 'asks-codex', agent: 'codex', model: codexSetup.model, option: codexSetup.allow, ran: true },
      { name: 'asks-gemini', agent: 'gemini', model: geminiSetup.model, option: geminiSetup.deny, ran: false },
    ];
    for (const each of cases) {
      const spawned = await call('POST', '/sessions/spawn', { name: each.name, prompt: `TOUCH ${each.name}.txt`, agent: each.agent, model: each.model, permissionMode: 'default' });
      assert.equal(spawned.status, 201, JSON.stringify(spawned.json));
      assert.equal(spawned.json.permissionMode, 'default');
    }
    const wrong = await call('POST', '/sessions/spawn', { name: 'wrong-mode', prompt: 'x', agent: 'codex', permissionMode: 'yolo' });
    assert.equal(wrong.status, 400);
    assert.match(wrong.json.error, /Invalid permission mode "yolo": use one of bypassPermissions, default, acceptEdits, plan/);
    for (const each of cases) {
      const waited = await call('GET', `/sessions/${each.name}/wait?until=waiting&timeout=90`);
      assert.equal(waited.json.reached, 'waiting', JSON.stringify(waited.json));
      const shown = await waitFor(`${each.name}'s dialog`, async () => (await call('GET', `/sessions/${each.name}/dialog`)).json.dialog ?? undefined, 10_000, 200);
      assert.ok(shown.options.some((option: { label: string }) => option.label === each.option), `${each.option} among ${JSON.stringify(shown.options)}`);
      const answered = await call('POST', `/sessions/${each.name}/answer`, { option: each.option });
      assert.equal(answered.status, 200, JSON.stringify(answered.json));
      assert.equal(answered.json.outcome, each.ran ? 'allowed' : 'refused');
      const idle = await call('GET', `/sessions/${each.name}/wait?until=idle&timeout=90`);
      assert.equal(idle.json.reached, 'idle', JSON.stringify(idle.json));
      assert.equal(await access(join(cwd, `${each.name}.txt`)).then(() => true, () => false), each.ran, `${each.name}.txt made exactly when allowed`);
    }
  });
});
