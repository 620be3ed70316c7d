/** Usage as a pure function of what was read: tokens and cost, Claude Code's own figures first, days, budgets, prices and totals. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseStatusLineInput } from '../../src/core/agent/statusLine';
import { parseTranscriptLine } from '../../src/core/agent/transcript';
import type { SessionRecord } from '../../src/core/model/sessionRecord';
import { dayOf, formatTokens, formatUsd } from '../../src/core/model/usage';
import { rateLimitDetail } from '../../src/core/status/rateLimit';
import { budgetLevel, validateBudget } from '../../src/core/usage/budgets';
import { PRICES_AS_OF, PriceTable } from '../../src/core/usage/priceTable';
import { addAnswer, addClaudeCost, addStatusLine, emptyUsageState, UsageState } from '../../src/core/usage/usageMeter';
import { jobCostOn, usageReport } from '../../src/core/usage/usageReport';
import { REPO } from '../support/engineHarness';

const T0 = Date.parse('2026-12-01T12:00:00');
const fixture = (name: string) => readFileSync(join(REPO, 'test', 'fixtures', 'transcripts', name), 'utf8');

function readAll(version: string, prices = new PriceTable()): UsageState {
  let state = emptyUsageState(T0);
  for (const line of fixture(`${version}-turns.jsonl`).split('\n')) {
    const parsed = parseTranscriptLine(line);
    if (parsed.usage) state = addAnswer(state, parsed.usage, prices, T0);
    if (parsed.claudeCostUsd !== undefined) state = addClaudeCost(state, parsed.claudeCostUsd, T0);
  }
  return state;
}

const cents = (usd: number) => Math.round(usd * 1e6) / 1e6;

describe('usage from a transcript', () => {
  it('sums the tokens of every answer, and prices them by the table where Claude Code gave no cost', () => {
    const { usage, cursor } = readAll('2.1.197');
    // Answers 1 to 5 carry k × (1000 in, 100 out, 10000 cache writes, 20000 cache reads).
    assert.deepEqual(usage.tokens, { input: 15_000, output: 1_500, cacheRead: 300_000, cacheCreation: 150_000 });
    assert.equal(cents(usage.costUsd), 0.72, 'sonnet at 3 / 15 / 3.75 / 0.30 USD per million');
    assert.equal(usage.costSource, 'transcript');
    assert.equal(usage.pricesAsOf, PRICES_AS_OF);
    assert.equal(cursor.last?.messageId !== undefined, true);
    // The last answer: 5000 in + 100000 read + 50000 written, of a 200k window.
    assert.deepEqual([usage.contextTokens, usage.contextWindow, usage.contextPercent, usage.contextSource], [155_000, 200_000, 78, 'transcript']);
    assert.equal(cents(usage.costByDay['2026-12-01']), 0.72, 'each answer on the day it was given');
  });

  it("takes Claude Code's own cost where the transcript has it (2.1.332's cost-state)", () => {
    const { usage } = readAll('2.1.332');
    assert.deepEqual([cents(usage.costUsd), usage.costSource, usage.pricesAsOf], [0.45, 'claude-code', undefined]);
    assert.equal(cents(Object.values(usage.costByDay).reduce((a, b) => a + b, 0)), 0.45, 'the days add up to the cost');
  });

  it("takes the status line's cost and context over the transcript's, and keeps them until it says more", () => {
    let state = readAll('2.1.197');
    state = addStatusLine(state, parseStatusLineInput(fixture('2.1.197-status-line.json'))!, T0 + 1000);
    assert.deepEqual([state.usage.costUsd, state.usage.costSource, state.usage.contextPercent, state.usage.contextSource], [0.720018, 'claude-code', 78, 'claude-code']);
    const more = addAnswer(state, { messageId: 'msg_next', model: 'claude-sonnet-5', tokens: { input: 1, output: 1, cacheRead: 0, cacheCreation: 0 }, at: T0 + 2000, sidechain: false }, new PriceTable(), T0);
    assert.equal(more.usage.costUsd, 0.720018, "the table's figure does not replace Claude Code's");
    assert.equal(more.usage.contextSource, 'claude-code');
    assert.equal(more.usage.tokens.input, 15_001);
  });

  it("adds up a session's runs: a lower figure from Claude Code is a count that began anew, and the cost and the day never go down", () => {
    const day = (state: UsageState) => state.usage.costByDay['2026-12-01'] ?? 0;
    let state = addClaudeCost(emptyUsageState(T0), 0.00016, T0);
    assert.equal(state.usage.costUsd, 0.00016);
    // Resumed: a process that counts alone reports its own first request.
    state = addClaudeCost(state, 0.000052, T0 + 60_000);
    assert.equal(Math.round(state.usage.costUsd * 1e7), 2120, 'the runs add up ($0.00016 + $0.000052)');
    state = addClaudeCost(state, 0.0001, T0 + 120_000);
    assert.equal(Math.round(state.usage.costUsd * 1e7), 2600);
    assert.equal(Math.round(day(state) * 1e7), 2600, "the day's total counts every run");
    // Counted on over the runs (every version tested): nothing is added twice.
    let cumulative = addClaudeCost(emptyUsageState(T0), 0.000312, T0);
    cumulative = addClaudeCost(cumulative, 0.000468, T0 + 60_000);
    assert.equal(cumulative.usage.costUsd, 0.000468);
    assert.equal(day(cumulative), 0.000468);
  });

  it('replaces a message counted from an earlier line by its later line, never counting it twice', () => {
    const tokens = (output: number) => ({ input: 10, output, cacheRead: 0, cacheCreation: 0 });
    let state = emptyUsageState(T0);
    const prices = new PriceTable();
    state = addAnswer(state, { messageId: 'm1', model: 'claude-sonnet-5', tokens: tokens(1), at: T0, sidechain: false }, prices, T0);
    state = addAnswer(state, { messageId: 'm1', model: 'claude-sonnet-5', tokens: tokens(50), at: T0, sidechain: false }, prices, T0);
    assert.deepEqual(state.usage.tokens, tokens(50));
    assert.equal(cents(state.usage.costUsd), cents((10 * 3 + 50 * 15) / 1e6));
  });

  it('says which models it could not price, and leaves their cost out', () => {
    const state = addAnswer(emptyUsageState(T0), { messageId: 'm', model: 'some-other-model', tokens: { input: 100, output: 100, cacheRead: 0, cacheCreation: 0 }, at: T0, sidechain: false }, new PriceTable(), T0);
    assert.deepEqual([state.usage.costUsd, state.usage.unpriced], [0, ['some-other-model']]);
    const priced = addAnswer(emptyUsageState(T0), { messageId: 'm', model: 'some-other-model', tokens: { input: 1_000_000, output: 0, cacheRead: 0, cacheCreation: 0 }, at: T0, sidechain: false }, new PriceTable({ 'other-model': { input: 2, output: 8 } }), T0);
    assert.equal(priced.usage.costUsd, 2, 'a setting prices it');
  });
});

describe('the price table', () => {
  it('prices each family, the older Opus at its launch price', () => {
    const table = new PriceTable();
    const million = { input: 1_000_000, output: 1_000_000, cacheRead: 1_000_000, cacheCreation: 1_000_000 };
    assert.equal(table.costOf('claude-sonnet-5', million), 3 + 15 + 3.75 + 0.3);
    assert.equal(table.costOf('claude-opus-4-1-20250805', million), 15 + 75 + 18.75 + 1.5);
    assert.equal(table.costOf('claude-opus-5', million), 5 + 25 + 6.25 + 0.5);
    assert.equal(table.costOf('claude-haiku-4-5', million), 1 + 5 + 1.25 + 0.1);
    assert.equal(table.costOf('gpt-9', million), undefined);
  });

  it("prices OpenAI's and Google's models by exact id, a long Gemini prompt at its dearer tier, and leaves a newer id unpriced", () => {
    const table = new PriceTable();
    const answer = (input: number, cacheRead = 0) => ({ input, output: 1_000_000, cacheRead, cacheCreation: 0 });
    const usd = (value: number | undefined) => (value === undefined ? undefined : Math.round(value * 1e6) / 1e6);
    assert.equal(usd(table.costOf('gpt-5-codex', answer(1_000_000, 1_000_000))), 1.25 + 10 + 0.125);
    assert.equal(usd(table.costOf('gpt-5.1-codex-mini', answer(1_000_000))), 0.25 + 2);
    assert.equal(usd(table.costOf('gpt-5.2-codex', answer(1_000_000))), 1.75 + 14);
    for (const newer of ['gpt-5.6-luna', 'gpt-6-sol', 'gpt-5-codex-ultra', 'gemini-3.5-flash', 'gemini-2.5-pro-exp']) assert.equal(table.costOf(newer, answer(1)), undefined, newer);
    assert.equal(usd(table.costOf('gemini-2.5-pro', answer(100_000, 100_000))), usd((100_000 * 1.25 + 100_000 * 0.125) / 1e6 + 10), 'a prompt of 200k tokens or less');
    assert.equal(usd(table.costOf('gemini-2.5-pro', answer(150_000, 100_000))), usd((150_000 * 2.5 + 100_000 * 0.25) / 1e6 + 15), 'a longer prompt, input and cache together');
    assert.equal(usd(table.costOf('gemini-2.5-flash', answer(1_000_000))), 0.3 + 2.5);
    assert.equal(usd(new PriceTable({ 'gpt-6': { input: 2, output: 16 } }).costOf('gpt-6-sol', answer(1_000_000))), 18, 'a setting prices a family the table does not know');
  });

  it('refuses a price a setting gives wrong, saying what it needs', () => {
    assert.throws(() => new PriceTable({ sonnet: { input: 3 } }), /needs "input" and "output" in USD per million tokens/);
    assert.throws(() => new PriceTable({ sonnet: { input: 3, output: -1 } }), /needs "input" and "output"/);
    assert.throws(() => new PriceTable({ sonnet: { input: 3, output: 15, cacheRead: Number.NaN } }), /"cacheRead" price/);
    assert.equal(new PriceTable({ sonnet: { input: 1, output: 2, cacheRead: 0 } }).priceOf('claude-sonnet-5')?.cacheRead, 0);
  });
});

describe('budgets', () => {
  it('warn at 80 % and stop at the limit', () => {
    assert.deepEqual([budgetLevel(0.79, 1), budgetLevel(0.8, 1), budgetLevel(0.99, 1), budgetLevel(1, 1), budgetLevel(3, 1)], ['ok', 'warning', 'warning', 'exceeded', 'exceeded']);
  });

  it('take a positive number of dollars, or nothing for no limit', () => {
    assert.deepEqual([validateBudget(undefined), validateBudget(null), validateBudget(0), validateBudget(2.5)], [undefined, undefined, undefined, 2.5]);
    for (const bad of [-1, '5', Number.POSITIVE_INFINITY, 1e9]) assert.throws(() => validateBudget(bad), /must be a number of US dollars above 0/);
  });
});

describe('rate limits', () => {
  it('read from StopFailure and the screen, with the reset where Claude Code tells it', () => {
    assert.equal(rateLimitDetail('rate_limit', 'API Error: Request rejected (429) · Number of request tokens has exceeded your per-minute rate limit'), 'rate limited');
    assert.equal(rateLimitDetail(undefined, "You've hit your limit · resets 3pm (Europe/Paris)"), 'rate limited · resets 3pm (Europe/Paris)');
    assert.match(rateLimitDetail(undefined, 'Claude AI usage limit reached|1796169600') ?? '', /^rate limited · resets \S+/);
    assert.equal(rateLimitDetail('server_error', 'API Error: 500 overloaded'), undefined);
    assert.equal(rateLimitDetail(undefined, undefined), undefined);
  });
});

describe('usage totals', () => {
  const record = (name: string, costByDay: Record<string, number>, extra: Partial<SessionRecord> = {}): SessionRecord =>
    ({ name, status: 'idle', usage: { tokens: { input: 1, output: 2, cacheRead: 3, cacheCreation: 4 }, costUsd: Object.values(costByDay).reduce((a, b) => a + b, 0), costSource: 'claude-code', costByDay, updatedAt: 0 }, ...extra }) as SessionRecord;

  it('add up per session, job and day, removed sessions included', () => {
    const today = dayOf(T0);
    const records = [record('a', { [today]: 1, '2026-11-30': 2 }, { jobSlug: 'nightly' }), record('b', { [today]: 0.5 }), { name: 'c', status: 'starting' } as SessionRecord];
    const removed = { [today]: { costUsd: 0.25, jobs: { nightly: 0.25 }, sessions: 1 } };
    const report = usageReport(records, removed, today, 5);
    assert.deepEqual([report.todayUsd, report.totalUsd, report.dailyBudgetUsd], [1.75, 3.75, 5]);
    assert.deepEqual(report.sessions.map((line) => [line.name, line.costUsd]), [['a', 3], ['b', 0.5]]);
    assert.deepEqual(report.jobs, [{ slug: 'nightly', costUsd: 3.25, todayUsd: 1.25, runs: 1 }]);
    assert.deepEqual(report.days, [{ day: today, costUsd: 1.75, sessions: 3 }, { day: '2026-11-30', costUsd: 2, sessions: 1 }]);
    assert.deepEqual(report.tokens, { input: 2, output: 4, cacheRead: 6, cacheCreation: 8 });
    assert.equal(jobCostOn(records, removed, 'nightly', today), 1.25);
  });

  it('read as people write them', () => {
    assert.deepEqual([formatUsd(0.42), formatUsd(12.3), formatUsd(0.0031), formatUsd(0)], ['$0.42', '$12.30', '$0.0031', '$0.00']);
    assert.deepEqual([formatTokens(950), formatTokens(12_345), formatTokens(1_234_567)], ['950', '12k', '1.2M']);
  });
});
