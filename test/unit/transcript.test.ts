/**
 * Claude Code's transcripts as each version writes them (captured from real runs: five answers
 * over two runs, one of them a tool call written as two lines of one message, one failed turn),
 * read incrementally with flat memory, and made into a readable conversation.
 */
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConversationReader } from '../../src/core/agent/conversationReader';
import { parseStatusLineInput, userStatusLine } from '../../src/core/agent/statusLine';
import { ConversationItem, parseTranscriptLine } from '../../src/core/agent/transcript';
import { readNewLines } from '../../src/core/agent/transcriptReader';
import type { SessionRecord } from '../../src/core/model/sessionRecord';
import { conversationMarkdown } from '../../src/core/presentation/conversationMarkdown';
import { REPO } from '../support/engineHarness';

const FIXTURES = join(REPO, 'test', 'fixtures', 'transcripts');
const VERSIONS = ['2.1.197', '2.1.332'];

async function linesOf(version: string): Promise<string[]> {
  return (await readFile(join(FIXTURES, `${version}-turns.jsonl`), 'utf8')).split('\n').filter((line) => line !== '');
}

describe('transcripts of real Claude Code runs', () => {
  for (const version of VERSIONS) {
    it(`${version}: give each answer's tokens, one message counted once though written as two lines`, async () => {
      const answers = (await linesOf(version)).map((line) => parseTranscriptLine(line).usage).filter((usage) => usage !== undefined);
      // Six lines with usage: answers 1, 2 (text and tool call, one message), 3, 4, 5; the failed turn's is <synthetic>.
      assert.equal(answers.length, 6);
      assert.equal(new Set(answers.map((answer) => answer.messageId)).size, 5);
      assert.deepEqual(answers[0].tokens, { input: 1000, output: 100, cacheRead: 20000, cacheCreation: 10000 });
      assert.deepEqual(answers[1].tokens, answers[2].tokens, 'both lines of one message carry its usage');
      assert.ok(answers.every((answer) => answer.model.startsWith('claude-sonnet-5') && answer.at !== undefined && !answer.sidechain));
    });

    it(`${version}: give the conversation in order: prompts, answers, the tool call with its result, the failed turn's error`, async () => {
      const items = (await linesOf(version)).flatMap((line) => parseTranscriptLine(line).items);
      assert.deepEqual(
        items.map((item) => item.kind),
        ['prompt', 'answer', 'prompt', 'answer', 'tool', 'result', 'answer', 'prompt', 'error', 'prompt', 'answer', 'prompt', 'answer'],
      );
      const tool = items[4] as Extract<ConversationItem, { kind: 'tool' }>;
      assert.deepEqual([tool.name, tool.summary], ['Bash', 'printf "line one\\nline two\\n"']);
      const result = items[5] as Extract<ConversationItem, { kind: 'result' }>;
      assert.deepEqual([result.toolUseId, result.bytes, result.isError, result.firstLine], [tool.id, Buffer.byteLength('line one\nline two'), false, 'line one']);
      assert.deepEqual((items[8] as { text: string }).text, 'API Error: 400 fake failure');
      assert.equal((items[11] as { text: string }).text, 'after resume');
    });
  }

  it("2.1.332: its cost-state entries carry Claude Code's own cost of the conversation", async () => {
    const costs = (await linesOf('2.1.332')).map((line) => parseTranscriptLine(line).claudeCostUsd).filter((cost) => cost !== undefined);
    assert.deepEqual(costs.map((cost) => Math.round(cost * 1e6) / 1e6), [0.3, 0.3, 0.45]);
  });

  it('skip what is not an entry of theirs: blank, CRLF, garbage and other JSON', () => {
    for (const line of ['', '   ', 'not json', '[1,2]', '{"type":"assistant"}', '{"type":"user","message":{"content":[{"type":"text","text":"hi"}]}}\r', 'null']) {
      const parsed = parseTranscriptLine(line);
      assert.equal(parsed.usage, undefined, JSON.stringify(line));
    }
    assert.deepEqual(parseTranscriptLine('{"type":"user","message":{"content":"<command-name>/exit</command-name>\\n<command-args></command-args>"}}').items, [{ kind: 'command', at: undefined, text: '/exit' }]);
    assert.deepEqual(parseTranscriptLine('{"type":"user","isMeta":true,"message":{"content":"Caveat: the messages below…"}}').items, []);
  });
});

describe('status line input', () => {
  it("gives Claude Code's cost and context as each version sends them", async () => {
    const old = parseStatusLineInput(await readFile(join(FIXTURES, '2.1.197-status-line.json'), 'utf8'))!;
    assert.deepEqual(old, { costUsd: 0.720018, contextPercent: 78, contextWindow: 200_000, contextTokens: 155_000, model: 'claude-sonnet-5', version: '2.1.197' });
    const latest = parseStatusLineInput(await readFile(join(FIXTURES, '2.1.332-status-line.json'), 'utf8'))!;
    assert.equal(latest.contextWindow, 1_000_000);
    assert.equal(latest.contextPercent, 16);
    assert.equal(latest.model, 'claude-sonnet-5-5');
    assert.equal(parseStatusLineInput('not json'), undefined);
    assert.deepEqual(parseStatusLineInput('{"cost":{"total_cost_usd":0},"context_window":{"used_percentage":null}}'), { costUsd: 0, contextPercent: undefined, contextWindow: undefined, contextTokens: undefined, model: undefined, version: undefined });
  });

  it("finds the user's own status line as Claude Code would: the project's local settings, the project's, then the user's", async () => {
    const root = await mkdtemp(join(tmpdir(), 'instar-statusline-'));
    try {
      const home = join(root, 'home');
      const project = join(root, 'project');
      await writeJson(join(home, '.claude', 'settings.json'), { statusLine: { type: 'command', command: 'echo user' } });
      assert.equal(await userStatusLine(project, { HOME: home }), 'echo user');
      await writeJson(join(project, '.claude', 'settings.json'), { statusLine: { type: 'command', command: 'echo project' } });
      assert.equal(await userStatusLine(project, { HOME: home }), 'echo project');
      await writeJson(join(project, '.claude', 'settings.local.json'), { statusLine: { type: 'command', command: 'echo local' } });
      assert.equal(await userStatusLine(project, { HOME: home }), 'echo local');
      await writeJson(join(root, 'config', 'settings.json'), {});
      assert.equal(await userStatusLine(join(root, 'elsewhere'), { HOME: home, CLAUDE_CONFIG_DIR: join(root, 'config') }), undefined, 'CLAUDE_CONFIG_DIR replaces ~/.claude');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

async function writeJson(file: string, value: unknown): Promise<void> {
  const { mkdir } = await import('node:fs/promises');
  await mkdir(join(file, '..'), { recursive: true });
  await writeFile(file, JSON.stringify(value));
}

describe('reading a growing transcript', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'instar-transcript-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('hands on whole lines only, from where it stopped, and starts again when the file was replaced', async () => {
    const file = join(dir, 'grow.jsonl');
    const seen: string[] = [];
    const collect = (line: string) => seen.push(line);
    assert.deepEqual(await readNewLines(file, 0, collect), { offset: 0, restarted: false }, 'not there yet');
    await writeFile(file, '{"a":1}\n{"b":');
    let read = await readNewLines(file, 0, collect);
    assert.deepEqual(seen, ['{"a":1}']);
    assert.equal(read.offset, 8, 'the line still being written is left for later');
    await appendFile(file, '2}\n\n{"c":3}\n');
    read = await readNewLines(file, read.offset, collect);
    assert.deepEqual(seen, ['{"a":1}', '{"b":2}', '{"c":3}']);
    await writeFile(file, '{"d":4}\n');
    read = await readNewLines(file, read.offset, collect);
    assert.equal(read.restarted, true);
    assert.deepEqual(seen.slice(-1), ['{"d":4}']);
  });

  it("keeps only the head and tail of a line over the limit, and still finds an answer's usage at its end", async () => {
    const file = join(dir, 'huge.jsonl');
    const answer = { type: 'assistant', message: { id: 'msg_huge', model: 'claude-sonnet-5', content: [{ type: 'text', text: 'x'.repeat(300_000) }], usage: { input_tokens: 7, output_tokens: 9, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 } }, timestamp: '2026-12-01T10:00:00.000Z' };
    await writeFile(file, `${JSON.stringify(answer)}\n${JSON.stringify({ type: 'user', message: { content: 'after' } })}\n`);
    const lines: { line: string; truncated: boolean }[] = [];
    await readNewLines(file, 0, (line, truncated) => lines.push({ line, truncated }), 64 * 1024);
    assert.equal(lines.length, 2);
    assert.equal(lines[0].truncated, true);
    assert.ok(lines[0].line.length < 100_000);
    const parsed = parseTranscriptLine(lines[0].line, true);
    assert.deepEqual(parsed.usage?.tokens, { input: 7, output: 9, cacheRead: 0, cacheCreation: 0 });
    assert.equal(parsed.usage?.messageId, 'msg_huge');
    assert.equal(parsed.items[0].kind, 'note');
    assert.deepEqual(parseTranscriptLine(lines[1].line).items.map((item) => item.kind), ['prompt']);
  });

  it('follows a conversation as it grows, reading only what was added', async () => {
    const file = join(dir, 'conversation.jsonl');
    const [first, ...rest] = await linesOf('2.1.197');
    await writeFile(file, `${first}\n`);
    const reader = new ConversationReader(file);
    await reader.update();
    const before = reader.items.length;
    await appendFile(file, `${rest.join('\n')}\n`);
    assert.equal(await reader.update(), true);
    assert.equal(reader.items.length - before, 13);
    assert.equal(await reader.update(), false, 'nothing new');
  });
});

describe('the conversation document', () => {
  const record = { name: 'doc-1', status: 'idle', model: 'sonnet', turns: 5, usage: { tokens: { input: 15000, output: 1500, cacheRead: 300000, cacheCreation: 150000 }, costUsd: 0.72, costSource: 'claude-code', costByDay: {}, updatedAt: 0, contextPercent: 78 } } as unknown as SessionRecord;

  it('shows prompts and answers whole, a tool call on one line with the size of its result, and errors set apart', async () => {
    const items = (await linesOf('2.1.197')).flatMap((line) => parseTranscriptLine(line).items);
    const { text, lineOfItem } = conversationMarkdown(record, items, '/x/t.jsonl');
    const lines = text.split('\n');
    assert.match(lines[0], /^# doc-1$/);
    assert.match(text, /Idle · model sonnet · 5 turns · \$0\.72 · context 78 %/);
    assert.match(text, /^- \*\*Bash\*\* `printf "line one\\nline two\\n"` → 17 B$/m);
    assert.equal(lines.filter((line) => line.startsWith('### You')).length, 5);
    assert.match(lines[lineOfItem[8]], /^> \*\*Error:\*\* API Error: 400 fake failure$/);
    assert.match(lines[lineOfItem[11]], /^### You/);
    assert.equal(lines[lineOfItem[11] + 2], 'after resume');
    assert.equal(lineOfItem[5], lineOfItem[4], "a result is shown on its call's line");
    assert.match(lines[lineOfItem[1]], /^reply 1 with a `code` span and \*\*bold\*\*$/, "an answer's Markdown is kept");
  });

  it('says so when nothing was said, and while a tool call runs', () => {
    assert.match(conversationMarkdown(record, [], undefined).text, /has not reported a transcript[\s\S]*Nothing was said yet/);
    const running = conversationMarkdown(record, [{ kind: 'tool', id: 't1', name: 'Read', summary: 'a`b.ts' }], '/t');
    assert.match(running.text, /- \*\*Read\*\* `` a`b\.ts `` → running…/);
  });
});
