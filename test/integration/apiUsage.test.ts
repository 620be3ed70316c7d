/**
 * What sessions cost and said, and their worktrees, through real HTTP against the real engine on
 * real tmux and a real git repository. The agent is the quiet stand-in named "claude"; the test
 * plays Claude Code: its hook events, its transcript, its status line's file.
 */
import assert from 'node:assert/strict';
import { appendFile, mkdir, rename, writeFile } from 'node:fs/promises';
import { existsSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApiServer } from '../../src/core/http/apiServer';
import { generateToken } from '../../src/core/http/instarConfig';
import { dayOf } from '../../src/core/model/usage';
import { silentLogger } from '../../src/core/util/host';
import { Harness, startHarness } from '../support/engineHarness';
import { initRepo } from '../support/gitRepo';
import { writeHookEvent, writeQuietAgent } from '../support/quietAgent';
import { waitFor, waitForStatus } from '../support/wait';

const TMP = realpathSync(mkdtempSync(join(tmpdir(), 'instar-api-usage-')));

/** An answer's line as Claude Code writes it to the transcript. */
const answerLine = (id: string, text: string, input: number, output: number) =>
  `${JSON.stringify({ type: 'assistant', timestamp: new Date().toISOString(), message: { id, model: 'claude-sonnet-5', role: 'assistant', content: [{ type: 'text', text }], usage: { input_tokens: input, output_tokens: output, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 } } })}\n`;
const promptLine = (text: string) => `${JSON.stringify({ type: 'user', timestamp: new Date().toISOString(), message: { role: 'user', content: text } })}\n`;

describe('HTTP API: usage, budgets, conversations, search and worktrees', () => {
  let h: Harness;
  let api: ApiServer;
  let base: string;
  let repo: string;
  const token = generateToken();
  const savedEnv = { GIT_CONFIG_GLOBAL: process.env.GIT_CONFIG_GLOBAL, GIT_CONFIG_NOSYSTEM: process.env.GIT_CONFIG_NOSYSTEM };

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, type: response.headers.get('content-type') ?? '', text, json: (() => { try { return JSON.parse(text); } catch { return undefined; } })() as any };
  };
  /** Spawns through the API and gives the session a transcript, as Claude Code's first hook does. */
  const spawnTalking = async (name: string, extra: Record<string, unknown> = {}) => {
    const spawned = await call('POST', '/sessions/spawn', { name, prompt: '', ...extra });
    assert.equal(spawned.status, 201, JSON.stringify(spawned.json));
    const record = (await waitForStatus(h.engine, name, 'idle', 30_000)).record;
    const transcript = join(TMP, 'projects', 'folder', `${record.id}.jsonl`);
    await mkdir(join(TMP, 'projects', 'folder'), { recursive: true });
    await writeFile(transcript, '');
    await writeHookEvent(join(h.stateDir, 'events'), record.id, { hook_event_name: 'UserPromptSubmit', transcript_path: transcript, prompt: 'go' });
    await waitForStatus(h.engine, name, (current) => current.transcriptPath === transcript, 30_000);
    return { record, transcript };
  };

  before(async () => {
    writeFileSync(join(TMP, 'gitconfig'), '');
    process.env.GIT_CONFIG_GLOBAL = join(TMP, 'gitconfig');
    process.env.GIT_CONFIG_NOSYSTEM = '1';
    repo = initRepo(join(TMP, 'repo'), { 'a.txt': 'a\n' });
    const agent = await writeQuietAgent(join(TMP, 'bin'));
    h = await startHarness('apiusage', { agentCommand: agent, worktreeRoot: join(TMP, 'worktrees') });
    api = new ApiServer(h.engine, { port: 0, token, cwd: repo, version: 'x', logger: silentLogger });
    base = `http://127.0.0.1:${await api.start()}`;
  });
  after(async () => {
    await api.stop();
    await h.dispose();
    for (const [name, value] of Object.entries(savedEnv)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    rmSync(TMP, { recursive: true, force: true });
  });

  it("gives each session's usage as its transcript and status line grow, and the totals per session and day", async () => {
    const { record, transcript } = await spawnTalking('cost-1');
    await appendFile(transcript, promptLine('first question') + answerLine('msg_1', 'First answer.', 1_000_000, 0));
    let session = await waitFor('the first answer counted', async () => ((await call('GET', '/sessions/cost-1')).json.usage?.inputTokens === 1_000_000 ? (await call('GET', '/sessions/cost-1')).json : undefined));
    assert.deepEqual([session.usage.costUsd, session.usage.costSource, session.usage.contextPercent], [3, 'price-table', 100]);
    // Claude Code's own figures, as its status line keeps them, replace the table's.
    const kept = join(h.stateDir, 'usage', `${record.id}.json`);
    await writeFile(`${kept}.tmp`, JSON.stringify({ cost: { total_cost_usd: 2.5 }, context_window: { used_percentage: 42, context_window_size: 1_000_000, current_usage: { input_tokens: 420_000 } }, model: { id: 'claude-sonnet-5' } }));
    await rename(`${kept}.tmp`, kept);
    session = await waitFor("Claude Code's figures", async () => {
      const { json } = await call('GET', '/sessions/cost-1');
      return json.usage?.costSource === 'claude-code' ? json : undefined;
    });
    assert.deepEqual([session.usage.costUsd, session.usage.contextPercent, session.usage.contextWindow], [2.5, 42, 1_000_000]);
    const report = (await call('GET', '/usage')).json;
    assert.equal(report.today, dayOf(Date.now()));
    assert.equal(report.todayUsd, 2.5);
    assert.deepEqual(report.sessions.map((line: { name: string; costUsd: number }) => [line.name, line.costUsd]), [['cost-1', 2.5]]);
    assert.deepEqual(report.days, [{ day: dayOf(Date.now()), costUsd: 2.5, sessions: 1 }]);
  });

  it('sets a budget, refusing one that is not a sum of dollars', async () => {
    assert.match((await call('POST', '/sessions/cost-1/budget', { budgetUsd: 'lots' })).json.error, /"budgetUsd": The budget must be a number of US dollars/);
    const set = await call('POST', '/sessions/cost-1/budget', { budgetUsd: 50 });
    assert.equal(set.json.budgetUsd, 50);
    assert.equal((await call('POST', '/sessions/cost-1/budget', { budgetUsd: null })).json.budgetUsd, null);
    assert.match((await call('POST', '/sessions/spawn', { name: 'cost-x', prompt: '', budgetUsd: -3 })).json.error, /budgetUsd.*must be a number of US dollars/);
  });

  it('gives a conversation as items or as Markdown, and finds a word said in one session only', async () => {
    const { transcript } = await spawnTalking('talk-a');
    await appendFile(transcript, promptLine('What is the password?') + answerLine('msg_a', 'It is XYZZY-1234, only here.', 10, 10));
    const { transcript: other } = await spawnTalking('talk-b');
    await appendFile(other, promptLine('Something else') + answerLine('msg_b', 'Nothing to see.', 10, 10));
    const items = await waitFor('the conversation', async () => {
      const { json } = await call('GET', '/sessions/talk-a/conversation');
      return json.items.length >= 2 ? json.items : undefined;
    });
    assert.deepEqual(items.map((item: { kind: string }) => item.kind), ['prompt', 'answer']);
    const markdown = await call('GET', '/sessions/talk-a/conversation?format=markdown');
    assert.match(markdown.type, /^text\/markdown/);
    assert.match(markdown.text, /### You[^\n]*\n\nWhat is the password\?\n\n### Claude[^\n]*\n\nIt is XYZZY-1234, only here\./);
    const found = (await call('GET', '/search?q=xyzzy-1234')).json;
    assert.deepEqual(found.matches.map((match: { session: string; kind: string }) => [match.session, match.kind]), [['talk-a', 'answer']]);
    assert.equal((await call('GET', '/search?q=')).status, 400);
    assert.equal((await call('GET', '/search?q=a&limit=0')).status, 400);
    assert.equal((await call('GET', '/sessions/talk-a/conversation?format=pdf')).status, 400);
  });

  it('spawns in a worktree, shows its branch and changes, diffs it, and keeps it when the session is removed unless asked', async () => {
    const spawned = await call('POST', '/sessions/spawn', { name: 'tree-1', prompt: '', worktree: true });
    assert.equal(spawned.status, 201, JSON.stringify(spawned.json));
    assert.deepEqual([spawned.json.worktree.branch, spawned.json.worktree.base, spawned.json.worktree.path], ['instar/tree-1', 'main', join(TMP, 'worktrees', 'tree-1')]);
    await writeFile(join(spawned.json.worktree.path, 'a.txt'), 'a\nmore\n');
    await writeFile(join(spawned.json.worktree.path, 'new.txt'), 'new\n');
    const diff = (await call('GET', '/sessions/tree-1/diff')).json;
    assert.deepEqual(diff.files.map((file: { path: string; status: string; added: number; removed: number }) => [file.path, file.status, file.added, file.removed]).sort(), [['a.txt', 'modified', 1, 0], ['new.txt', 'added', 1, 0]]);
    assert.deepEqual([diff.added, diff.removed, diff.branch], [2, 0, 'instar/tree-1']);
    assert.match((await call('GET', '/sessions/cost-1/diff')).json.error, /does not run in a worktree/);
    assert.match((await call('POST', '/sessions/spawn', { name: 'tree-2', prompt: '', worktree: 'main' })).json.error, /main/);
    assert.match((await call('POST', '/sessions/spawn', { name: 'tree-3', prompt: '', worktree: [1] })).json.error, /worktree must be true/);

    await call('DELETE', '/sessions/tree-1');
    const refused = await call('DELETE', '/sessions/tree-1?worktree=discard');
    assert.equal(refused.status, 409);
    assert.match(refused.json.error, /a\.txt/);
    assert.ok(existsSync(join(TMP, 'worktrees', 'tree-1', 'new.txt')), 'nothing deleted');
    assert.equal((await call('DELETE', '/sessions/tree-1?worktree=maybe')).status, 400);
    assert.equal((await call('DELETE', '/sessions/tree-1?worktree=discard&force=true')).status, 200);
    assert.equal(existsSync(join(TMP, 'worktrees', 'tree-1')), false);
    assert.equal((await call('GET', '/sessions/tree-1')).status, 404);
  });

  it('refuses a worktree outside a git repository, saying why', async () => {
    const outside = new ApiServer(h.engine, { port: 0, token, cwd: join(TMP, 'projects'), version: 'x', logger: silentLogger });
    const port = await outside.start();
    try {
      const response = await fetch(`http://127.0.0.1:${port}/sessions/spawn`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'tree-out', prompt: '', worktree: true }) });
      assert.equal(response.status, 400);
      assert.match(((await response.json()) as { error: string }).error, /is not in a git repository, so the session cannot get a worktree/);
    } finally {
      await outside.stop();
    }
  });
});

