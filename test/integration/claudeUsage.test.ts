/**
 * What sessions cost, how full their context is and what they said, with the real Claude Code of
 * every version of the matrix and a fake Messages API that reports known usage per reply: tokens
 * summed from the transcript, cost and context as Claude Code's status line gives them (the
 * user's own status line still running), a budget that interrupts a turn, a rate limit, the
 * conversation document and search.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { SessionRecord } from '../../src/core/model/sessionRecord';
import { conversationMarkdown } from '../../src/core/presentation/conversationMarkdown';
import { ClaudeRig, startClaudeRig } from '../support/claudeRig';
import { claudesUnderTest } from '../support/claudeVersions';
import type { FakeReply, FakeRequest } from '../support/fakeMessagesApi';
import { scriptedReply } from '../support/scriptedReplies';
import { waitFor, waitForStatus } from '../support/wait';

const STATE_TIMEOUT = 90_000;

/** Turn N reports N × (1000 in, 100 out, 10000 cache writes, 20000 cache reads). */
const turnUsage = (n: number) => ({ input_tokens: 1000 * n, output_tokens: 100 * n, cache_creation_input_tokens: 10_000 * n, cache_read_input_tokens: 20_000 * n });

/** The replies of the scenarios; `finished` learns of an expensive tool call whose result came back (it should not). */
const usageReplies = (finished: Set<string>) => (request: FakeRequest): FakeReply => {
  if (request.hasToolResult && JSON.stringify(request.body.messages).includes('EXPENSIVE-TOOL')) finished.add('EXPENSIVE-TOOL');
  const newest = request.lastUserText.trim().split('\n').pop() ?? '';
  const turn = /usage turn (\d)/.exec(newest);
  if (turn && !request.hasToolResult) return { kind: 'text', text: `Counted turn ${turn[1]}.`, usage: turnUsage(Number(turn[1])) };
  // Two million input tokens: dollars, whatever a version's price of its model.
  if (newest.includes('EXPENSIVE-TOOL') && !request.hasToolResult) return { kind: 'tool', name: 'Bash', input: { command: 'tail -f /dev/null', description: 'Wait a long while' }, usage: { input_tokens: 2_000_000, output_tokens: 10 } };
  if (newest.includes('RATE-LIMIT-ME')) return { kind: 'error', status: 429, type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit', headers: { 'retry-after': '0' } };
  if (newest.includes('ANSWER-WITH-SECRET')) return { kind: 'text', text: 'The secret word is PLUGH-4711.' };
  return scriptedReply(request);
};

for (const { label, binary } of claudesUnderTest()) usageSuite(label, binary);

function usageSuite(version: string, binary: string): void {
  describe(`usage, budgets and conversations with real Claude Code (${version})`, () => {
    let rig: ClaudeRig;
    /** The user's own status line keeps its last input here, and prints a line of its own. */
    let userInput: string;
    const statuses = new Map<string, string[]>();
    const finished = new Set<string>();

    before(async () => {
      rig = await startClaudeRig('usage', binary, 500);
      rig.api.setHandler(usageReplies(finished));
      userInput = join(rig.home.home, 'user-status-input.json');
      const command = `cat > ${userInput}.tmp && mv ${userInput}.tmp ${userInput} && echo USER-STATUS-LINE-RAN`;
      await writeFile(join(rig.home.home, '.claude', 'settings.json'), JSON.stringify({ skipDangerousModePermissionPrompt: true, statusLine: { type: 'command', command } }));
      rig.h.engine.onDidChange(({ changed }) => {
        for (const record of changed) {
          const list = statuses.get(record.name) ?? [];
          if (list[list.length - 1] !== record.status) list.push(record.status);
          statuses.set(record.name, list);
        }
      });
    });
    after(() => rig.dispose());

    const idleAfter = async (name: string, turns: number) => waitForStatus(rig.h.engine, name, (record) => record.status === 'idle' && (record.turns ?? 0) >= turns, STATE_TIMEOUT);

    it("sums three turns' tokens exactly, takes cost and context from Claude Code's status line, and still runs the user's own", async () => {
      await rig.h.engine.spawn({ name: 'usage-1', prompt: 'usage turn 1', cwd: rig.cwd });
      await idleAfter('usage-1', 1);
      for (const turn of [2, 3]) {
        await rig.h.engine.sendInput('usage-1', `usage turn ${turn}`);
        await idleAfter('usage-1', turn);
      }
      const sums = { input: 6000, output: 600, cacheRead: 120_000, cacheCreation: 60_000 };
      const record = await waitFor('the three turns counted', () => {
        const current = rig.h.engine.get('usage-1');
        return current?.usage && JSON.stringify(current.usage.tokens) === JSON.stringify(sums) ? current : undefined;
      }, 30_000);
      assert.deepEqual(record.usage!.tokens, sums);
      // The user's status line gets the same input as ours: once it has shown the third turn, the record says what it said.
      type Input = { cost: { total_cost_usd: number }; context_window: { used_percentage: number | null; current_usage: { input_tokens: number } | null } };
      const input = await waitFor('the third turn on the status line', async () => {
        const shown = JSON.parse(await readFile(userInput, 'utf8')) as Input;
        return shown.context_window.current_usage?.input_tokens === 3000 ? shown : undefined;
      }, 30_000);
      const seenByUser = await waitFor("the status line's figures in the record", () => {
        const usage = rig.h.engine.get('usage-1')?.usage;
        return usage?.costUsd === input.cost.total_cost_usd && usage.contextPercent === input.context_window.used_percentage ? { input, usage } : undefined;
      }, 30_000);
      assert.equal(seenByUser.usage.costSource, 'claude-code');
      assert.ok(seenByUser.usage.costUsd > 0);
      assert.equal(seenByUser.usage.contextSource, 'claude-code');
      assert.equal(seenByUser.usage.costByDay[Object.keys(seenByUser.usage.costByDay)[0]], seenByUser.usage.costUsd, 'all of it today');
      assert.match(await rig.h.engine.output('usage-1', { lines: 10 }), /USER-STATUS-LINE-RAN/, "the user's status line is shown");
      const report = rig.h.engine.usage.report();
      assert.equal(report.sessions.find((line) => line.name === 'usage-1')?.costUsd, seenByUser.usage.costUsd);
      console.log(`  ${version}: cost $${seenByUser.usage.costUsd} (Claude Code), context ${seenByUser.usage.contextPercent} % of ${seenByUser.usage.contextWindow}`);
    });

    it('interrupts a turn that goes over the budget and ends the session as an error "budget"', async () => {
      const notices: string[] = [];
      const subscription = rig.h.engine.onBudget((notice) => notices.push(`${notice.level} ${notice.scope} ${notice.session}`));
      try {
        await rig.h.engine.spawn({ name: 'budget-1', prompt: 'A cheap first turn', cwd: rig.cwd, budgetUsd: 1 });
        await idleAfter('budget-1', 1);
        assert.equal(rig.h.engine.get('budget-1')?.budgetExceeded, undefined, 'the first turn is within the budget');
        await rig.h.engine.sendInput('budget-1', 'Now the EXPENSIVE-TOOL turn');
        const { record } = await waitForStatus(rig.h.engine, 'budget-1', (current) => current.endedAt !== undefined, STATE_TIMEOUT);
        assert.equal(record.status, 'error', `ended as ${record.status} (${record.statusDetail ?? ''})`);
        assert.match(record.statusDetail ?? '', /^budget: \$\d+\.\d\d spent of the session's \$1\.00$/);
        assert.ok((record.usage?.costUsd ?? 0) >= 1);
        assert.ok(!finished.has('EXPENSIVE-TOOL'), 'the tool call was interrupted, its result never sent');
        assert.deepEqual(notices, ['exceeded session budget-1']);
        await assert.rejects(rig.h.engine.resume('budget-1'), /spent \$\d+\.\d\d of its \$1\.00 budget; raise its budget to resume it/);
      } finally {
        subscription.dispose();
      }
    });

    it('shows a turn refused for a rate limit (429) as an error "rate limited", not as running', async () => {
      await rig.h.engine.spawn({ name: 'limited-1', prompt: 'Please RATE-LIMIT-ME', cwd: rig.cwd, env: { CLAUDE_CODE_MAX_RETRIES: '0' } });
      const { record } = await waitForStatus(rig.h.engine, 'limited-1', 'error', STATE_TIMEOUT);
      assert.match(record.statusDetail ?? '', /^rate limited/);
      assert.equal(record.endedAt, undefined, 'the session is still there to take a prompt later');
      const after = statuses.get('limited-1')!;
      assert.equal(after.indexOf('running', after.indexOf('error')), -1, `never running after the refusal: ${after.join(' → ')}`);
    });

    it('gives the conversation of a session with a tool call, and finds a word said in one answer only', async () => {
      await rig.h.engine.spawn({ name: 'talk-1', prompt: 'Please USE-A-TOOL now', cwd: rig.cwd });
      await rig.h.engine.spawn({ name: 'talk-2', prompt: 'ANSWER-WITH-SECRET please', cwd: rig.cwd });
      await idleAfter('talk-1', 1);
      await idleAfter('talk-2', 1);
      const reader = rig.h.engine.conversation('talk-1')!;
      await waitFor('the answer after the tool in the transcript', async () => (await reader.update(), reader.items.some((item) => item.kind === 'answer' && item.text.includes('The tool ran'))));
      const document = conversationMarkdown(rig.h.engine.get('talk-1') as SessionRecord, reader.items, reader.transcript);
      assert.match(document.text, /^- \*\*Bash\*\* `touch tool-ran-ok\.txt` → \d+ B$/m);
      assert.match(document.text, /### You[^\n]*\n\nPlease USE-A-TOOL now/);
      // Claude Code writes the turn to its transcript just after its Stop hook: searchable a moment later.
      const found = await waitFor('the answer in the transcript', async () => {
        const result = await rig.h.engine.search('plugh-4711');
        return result.matches.length > 0 ? result : undefined;
      });
      assert.deepEqual(found.matches.map((match) => [match.session, match.where, match.kind]), [['talk-2', 'conversation', 'answer']]);
      assert.match(found.matches[0].snippet, /The secret word is PLUGH-4711/);
    });
  });
}
