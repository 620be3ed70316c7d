/**
 * Codex 0.169.0's rollout file, captured from the real CLI against the fake Responses API (see
 * the fixture): a text answer, a shell command run through the JavaScript exec tool and its
 * answer, a follow-up, a resumed run, a failed request. Each response reported distinct usage.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { codexToolSummary, createCodexLineParser } from '../../src/core/agent/codexTranscript';
import type { AnswerUsage, ConversationItem } from '../../src/core/agent/transcript';
import { readNewLines } from '../../src/core/agent/transcriptReader';
import { REPO } from '../support/engineHarness';

const FIXTURE = join(REPO, 'test', 'fixtures', 'transcripts', 'codex-0.169.0-turns.jsonl');

/** What the fake reported for each response, in order: input_tokens, cached_tokens, output_tokens. */
const REPORTED: [number, number, number][] = [
  [5011, 2503, 507],
  [6011, 3003, 607],
  [7011, 3503, 707],
  [8011, 4003, 807],
  [9011, 4503, 907],
];

async function lines(): Promise<string[]> {
  return (await readFile(FIXTURE, 'utf8')).split('\n').filter((line) => line !== '');
}

function parseAll(all: string[]): { items: ConversationItem[]; usages: AnswerUsage[] } {
  const parse = createCodexLineParser();
  const items: ConversationItem[] = [];
  const usages: AnswerUsage[] = [];
  for (const line of all) {
    const parsed = parse(line);
    items.push(...parsed.items);
    if (parsed.usage) usages.push(parsed.usage);
  }
  return { items, usages };
}

describe('Codex rollout (0.169.0, real capture)', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'instar-codex-transcript-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("gives the person's prompts (not Codex's context), answers, the tool call with its result, the failed turn's error, in order", async () => {
    const { items } = parseAll(await lines());
    assert.deepEqual(
      items.map((item) => item.kind),
      ['prompt', 'answer', 'prompt', 'tool', 'result', 'answer', 'prompt', 'answer', 'prompt', 'answer', 'prompt', 'error'],
    );
    const texts = items.map((item) => ('text' in item ? item.text : ''));
    assert.deepEqual(
      texts.filter((_, index) => items[index].kind === 'prompt'),
      ['Name a colour', 'TOUCH a marker file', 'Thanks, and one more thing', 'After the resume', 'PLEASE-FAIL now'],
    );
    assert.equal(texts[1], 'Answer 5 to: Name a colour');
    assert.equal(texts[9], 'Answer 9 to: After the resume');
    const tool = items[3] as Extract<ConversationItem, { kind: 'tool' }>;
    assert.deepEqual([tool.name, tool.summary, tool.id], ['exec', 'touch codex-tool-ran.txt', 'call_fake_7']);
    const result = items[4] as Extract<ConversationItem, { kind: 'result' }>;
    assert.deepEqual([result.toolUseId, result.isError, result.firstLine], ['call_fake_7', false, 'Script completed']);
    assert.equal(texts[11], 'fake failure for the test');
  });

  it('gives each response its tokens once, as the fake reported them, with the turn model; their sum is the rollout’s own total', async () => {
    const all = await lines();
    const { usages } = parseAll(all);
    assert.deepEqual(
      usages.map((usage) => usage.tokens),
      REPORTED.map(([input, cached, output]) => ({ input: input - cached, output, cacheRead: cached, cacheCreation: 0 })),
    );
    assert.deepEqual(
      usages.map((usage) => usage.messageId),
      ['resp_fake_5', 'resp_fake_7', 'resp_fake_8', 'resp_fake_9', 'resp_fake_10'],
    );
    assert.ok(usages.every((usage) => usage.model === 'gpt-6-sol' && usage.at !== undefined && !usage.sidechain));
    // Codex's last token_count carries the thread's running total (input with cached inside).
    const lastCount = all.filter((line) => line.includes('"type":"token_count"')).map((line) => JSON.parse(line).payload.info.total_token_usage).pop();
    const sum = (pick: (usage: AnswerUsage) => number) => usages.reduce((total, usage) => total + pick(usage), 0);
    assert.equal(sum((usage) => usage.tokens.input + usage.tokens.cacheRead), lastCount.input_tokens);
    assert.equal(sum((usage) => usage.tokens.cacheRead), lastCount.cached_input_tokens);
    assert.equal(sum((usage) => usage.tokens.output), lastCount.output_tokens);
  });

  it('skips blank, CRLF, garbage and foreign JSON lines; a model named before any turn_context is the one given', () => {
    const parse = createCodexLineParser('gpt-5.5');
    for (const line of ['', '  ', 'not json', '[1,2]', 'null', '{"type":"response_item"}', '{"type":"response_item","payload":{"type":"reasoning"}}\r', '{"type":"event_msg","payload":{"type":"token_count","info":null}}']) {
      assert.deepEqual(parse(line), { items: [] }, JSON.stringify(line));
    }
    const record = '{"timestamp":"2026-12-06T22:54:21.402Z","type":"token_usage_record","payload":{"response_id":"resp_x","usage":{"input_tokens":10,"cached_input_tokens":4,"output_tokens":3}}}\r';
    assert.deepEqual(parse(record).usage?.model, 'gpt-5.5');
    assert.deepEqual(parse(record).usage?.tokens, { input: 6, output: 3, cacheRead: 4, cacheCreation: 0 });
  });

  it('takes a line cut to its head and tail without throwing: a long tool output is a note, the opening says nothing', async () => {
    const all = await lines();
    for (const line of all) {
      for (const cut of [10, 100, 1000]) {
        assert.doesNotThrow(() => createCodexLineParser()(line.slice(0, cut) + line.slice(-cut), true));
      }
    }
    const output = all.find((line) => line.includes('"custom_tool_call_output"'))!;
    const long = output.replace('Script completed', `Script completed ${'x'.repeat(300_000)}`);
    const opening = all[0].replace('You are Codex', `You are Codex ${'y'.repeat(300_000)}`);
    const file = join(dir, 'long.jsonl');
    await writeFile(file, `${opening}\n${long}\n`);
    const seen: { truncated: boolean; items: ConversationItem[] }[] = [];
    const parse = createCodexLineParser();
    await readNewLines(file, 0, (line, truncated) => seen.push({ truncated, items: parse(line, truncated).items }), 100_000);
    assert.deepEqual(seen.map((line) => line.truncated), [true, true]);
    assert.deepEqual(seen[0].items, []);
    assert.deepEqual(seen[1].items.map((item) => item.kind), ['note']);
  });

  it('read incrementally (the file growing, a line half written) gives what a whole read gives', async () => {
    const all = await lines();
    const whole = parseAll(all);
    const file = join(dir, 'growing.jsonl');
    await writeFile(file, '');
    const parse = createCodexLineParser();
    const items: ConversationItem[] = [];
    const usages: AnswerUsage[] = [];
    let offset = 0;
    const text = all.map((line) => `${line}\n`).join('');
    // Pieces that end anywhere, mid-line included.
    for (let at = 0; at < text.length; at += 7919) {
      await appendFile(file, text.slice(at, at + 7919));
      const read = await readNewLines(file, offset, (line, truncated) => {
        const parsed = parse(line, truncated);
        items.push(...parsed.items);
        if (parsed.usage) usages.push(parsed.usage);
      });
      assert.equal(read.restarted, false);
      offset = read.offset;
    }
    assert.deepEqual(items, whole.items);
    assert.deepEqual(usages, whole.usages);
  });

  it('summarizes each kind of call by what it runs', () => {
    assert.equal(codexToolSummary('exec_command', { cmd: 'npm test' }), 'npm test');
    assert.equal(codexToolSummary('shell', { command: ['bash', '-lc', 'ls -la'] }), 'ls -la');
    assert.equal(codexToolSummary('exec', '// @exec: {"yield_time_ms": 1000}\nconst a = await tools.exec_command({ cmd: "git status" });\nconst b = await tools.exec_command({cmd:"echo \\"hi\\""});'), 'git status; echo "hi"');
    assert.equal(codexToolSummary('exec', '// @exec: {}\nconst files = ALL_TOOLS.length;\ntext(files);'), 'const files = ALL_TOOLS.length;');
    assert.equal(codexToolSummary('apply_patch', '*** Begin Patch\n*** Update File: src/a.ts\n@@\n-x\n+y\n*** Add File: b.md\n+z\n*** End Patch'), 'src/a.ts, b.md');
  });
});
