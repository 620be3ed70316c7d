/**
 * Gemini CLI 0.61.0's chat file, captured from the real CLI against the fake Gemini API (see the
 * fixture): a text answer, a run_shell_command call and its answer, a follow-up, a resumed run
 * (whose `$set` lines rewrite the whole list), a failed request. Each answer reported distinct usage.
 */
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createGeminiLineParser, geminiToolSummary } from '../../src/core/agent/geminiTranscript';
import type { AnswerUsage, ConversationItem } from '../../src/core/agent/transcript';
import { readNewLines } from '../../src/core/agent/transcriptReader';
import { REPO } from '../support/engineHarness';

const FIXTURE = join(REPO, 'test', 'fixtures', 'transcripts', 'gemini-0.61.0-turns.jsonl');

/** What the fake reported for each answer, in order: promptTokenCount, cachedContentTokenCount, candidatesTokenCount, thoughtsTokenCount. */
const REPORTED: [number, number, number, number][] = [
  [3013, 1201, 309, 32],
  [4013, 1601, 409, 42],
  [5013, 2001, 509, 52],
  [6013, 2401, 609, 62],
  [7013, 2801, 709, 72],
];

async function lines(): Promise<string[]> {
  return (await readFile(FIXTURE, 'utf8')).split('\n').filter((line) => line !== '');
}

function parseAll(all: string[]): { items: ConversationItem[]; usages: AnswerUsage[] } {
  const parse = createGeminiLineParser();
  const items: ConversationItem[] = [];
  const usages: AnswerUsage[] = [];
  for (const line of all) {
    const parsed = parse(line);
    items.push(...parsed.items);
    if (parsed.usage) usages.push(parsed.usage);
  }
  return { items, usages };
}

/** Usage as the meter counts it: a later writing of the same message replaces the earlier (see addAnswer). */
function perAnswer(usages: AnswerUsage[]): AnswerUsage[] {
  return usages.filter((usage, index) => usages[index + 1]?.messageId !== usage.messageId);
}

describe('Gemini CLI chat file (0.61.0, real capture)', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'instar-gemini-transcript-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("gives the person's prompts (not the session context), answers, the tool call with its result, the failed turn's error, each once and in order", async () => {
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
    assert.equal(texts[1], 'Answer 3 to: Name a colour');
    assert.equal(texts[9], 'Answer 7 to: After the resume');
    const tool = items[3] as Extract<ConversationItem, { kind: 'tool' }>;
    assert.deepEqual([tool.name, tool.summary, tool.id], ['run_shell_command', 'touch gemini-tool-ran.txt', 'run_shell_command__call_fake_4']);
    const result = items[4] as Extract<ConversationItem, { kind: 'result' }>;
    assert.deepEqual([result.toolUseId, result.isError, result.firstLine], [tool.id, false, 'Output: (empty)']);
    assert.equal(texts[11], 'fake failure for the test');
  });

  it('gives each answer its tokens as the fake reported them (cache reads apart, thoughts as output), a message written twice counted once', async () => {
    const { usages } = parseAll(await lines());
    assert.equal(usages.length, 6, 'the tool call message is written twice: before and with its call');
    const answers = perAnswer(usages);
    assert.equal(new Set(answers.map((usage) => usage.messageId)).size, 5);
    assert.deepEqual(
      answers.map((usage) => usage.tokens),
      REPORTED.map(([prompt, cached, candidates, thoughts]) => ({ input: prompt - cached, output: candidates + thoughts, cacheRead: cached, cacheCreation: 0 })),
    );
    assert.ok(answers.every((usage) => usage.model === 'gemini-2.5-flash' && usage.at !== undefined && !usage.sidechain));
  });

  it('skips blank, CRLF, garbage and foreign JSON lines, the header and $set lines', async () => {
    const parse = createGeminiLineParser();
    const header = (await lines())[0];
    const rewrite = (await lines()).find((line) => line.startsWith('{"$set":{"messages"') && line.includes('After the resume'))!;
    for (const line of ['', '  ', 'not json', '[1,2]', 'null', '{"type":"gemini"}', '{"id":"x","type":"info","content":"This request failed."}\r', header, rewrite]) {
      assert.deepEqual(parse(line), { items: [] }, JSON.stringify(line).slice(0, 80));
    }
  });

  it("takes a line cut to its head and tail without throwing: a long answer's tokens are still read, a long tool output is a note", async () => {
    const all = await lines();
    for (const line of all) {
      for (const cut of [10, 100, 1000]) {
        assert.doesNotThrow(() => createGeminiLineParser()(line.slice(0, cut) + line.slice(-cut), true));
      }
    }
    const answer = all.find((line) => line.includes('"Answer 6 to: Thanks'))!;
    const longAnswer = answer.replace('Answer 6 to:', `Answer 6 ${'x'.repeat(300_000)} to:`);
    const output = all.find((line) => line.startsWith('{"id"') && line.includes('"type":"user","content":[{"functionResponse"'))!;
    const longOutput = output.replace('Output: (empty)', `Output: ${'y'.repeat(300_000)}`);
    const longRewrite = all.find((line) => line.startsWith('{"$set":{"messages"') && line.includes('After the resume'))!.replace('Name a colour', `Name a colour ${'z'.repeat(300_000)}`);
    const file = join(dir, 'long.jsonl');
    await writeFile(file, `${longAnswer}\n${longOutput}\n${longRewrite}\n`);
    const seen: { truncated: boolean; items: ConversationItem[]; usage?: AnswerUsage }[] = [];
    const parse = createGeminiLineParser();
    await readNewLines(file, 0, (line, truncated) => seen.push({ truncated, ...parse(line, truncated) }), 100_000);
    assert.deepEqual(seen.map((line) => line.truncated), [true, true, true]);
    assert.deepEqual(seen.map((line) => line.items.map((item) => item.kind)), [['note'], ['note'], []]);
    const [prompt, cached, candidates, thoughts] = REPORTED[3];
    assert.deepEqual(seen[0].usage?.tokens, { input: prompt - cached, output: candidates + thoughts, cacheRead: cached, cacheCreation: 0 });
    assert.equal(seen[0].usage?.model, 'gemini-2.5-flash');
  });

  it('read incrementally (the file growing, a line half written) gives what a whole read gives', async () => {
    const all = await lines();
    const whole = parseAll(all);
    const file = join(dir, 'growing.jsonl');
    await writeFile(file, '');
    const parse = createGeminiLineParser();
    const items: ConversationItem[] = [];
    const usages: AnswerUsage[] = [];
    let offset = 0;
    const text = all.map((line) => `${line}\n`).join('');
    for (let at = 0; at < text.length; at += 997) {
      await appendFile(file, text.slice(at, at + 997));
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

  it("summarizes a shell call by its command, not the model's description of it", () => {
    assert.equal(geminiToolSummary('run_shell_command', { command: 'npm   test', description: 'Run the tests' }), 'npm test');
    assert.equal(geminiToolSummary('read_file', { file_path: '/w/a.ts' }), '/w/a.ts');
  });
});
