/**
 * A session's usage as a pure function of what was read: each answer's tokens from the
 * transcript (priced by the table), and Claude Code's own figures where it gave them (its status
 * line's cost and context, its cost-state entry). Claude Code's cost is preferred: it also counts
 * the requests it makes beside the conversation (titles, summaries) and prices its own models.
 */
import { dayOf, NO_TOKENS, SessionUsage, TokenCounts, UsageCursor } from '../model/usage';
import type { AnswerUsage } from '../agent/transcript';
import type { StatusLineFigures } from '../agent/statusLine';
import { PRICES_AS_OF, PriceTable } from './priceTable';

/** The window assumed until Claude Code names one (most models; "[1m]" ids have a million). */
export const DEFAULT_CONTEXT_WINDOW = 200_000;

export interface UsageState {
  usage: SessionUsage;
  cursor: UsageCursor;
}

export function emptyUsageState(now: number): UsageState {
  return {
    usage: { tokens: { ...NO_TOKENS }, costUsd: 0, costSource: 'transcript', pricesAsOf: PRICES_AS_OF, costByDay: {}, updatedAt: now },
    cursor: { offset: 0, tableCostUsd: 0 },
  };
}

const add = (a: TokenCounts, b: TokenCounts, sign = 1): TokenCounts => ({
  input: a.input + sign * b.input,
  output: a.output + sign * b.output,
  cacheRead: a.cacheRead + sign * b.cacheRead,
  cacheCreation: a.cacheCreation + sign * b.cacheCreation,
});

const contextOf = (tokens: TokenCounts): number => tokens.input + tokens.cacheRead + tokens.cacheCreation;

export const windowOf = (model: string): number => (/\[1m\]/i.test(model) ? 1_000_000 : DEFAULT_CONTEXT_WINDOW);

/** Counts one answer's line (a later line of the same answer replaces its figures). */
export function addAnswer(state: UsageState, answer: AnswerUsage, prices: PriceTable, fallbackAt: number): UsageState {
  const usage: SessionUsage = { ...state.usage, costByDay: { ...state.usage.costByDay } };
  const cursor: UsageCursor = { ...state.cursor };
  let tokens = usage.tokens;
  let tableCost = cursor.tableCostUsd;
  if (cursor.last?.messageId === answer.messageId) {
    tokens = add(tokens, cursor.last.tokens, -1);
    tableCost -= cursor.last.costUsd ?? 0;
  }
  const cost = prices.costOf(answer.model, answer.tokens);
  tokens = add(tokens, answer.tokens);
  tableCost += cost ?? 0;
  const change = tableCost - cursor.tableCostUsd;
  cursor.last = { messageId: answer.messageId, model: answer.model, tokens: answer.tokens, costUsd: cost };
  cursor.tableCostUsd = tableCost;
  usage.tokens = tokens;
  if (cost === undefined && !(usage.unpriced ?? []).includes(answer.model)) usage.unpriced = [...(usage.unpriced ?? []), answer.model];
  if (cursor.claudeCostUsd === undefined) {
    usage.costUsd = tableCost;
    usage.costSource = 'transcript';
    usage.pricesAsOf = PRICES_AS_OF;
    addToDay(usage, answer.at ?? fallbackAt, change);
  }
  if (!answer.sidechain) {
    usage.model = answer.model;
    // Claude Code's own figure stays until it gives a newer one; the transcript's is the fallback.
    if (usage.contextSource !== 'claude-code') {
      const window = usage.contextWindow ?? windowOf(answer.model);
      usage.contextTokens = contextOf(answer.tokens);
      usage.contextWindow = window;
      usage.contextPercent = Math.min(100, Math.round((usage.contextTokens / window) * 100));
      usage.contextSource = 'transcript';
    }
  }
  usage.updatedAt = Math.max(usage.updatedAt, answer.at ?? fallbackAt);
  return { usage, cursor };
}

/**
 * Claude Code's own cost of the conversation, told at `at`. It counts on over the runs of a
 * conversation (2.1.197 to 2.1.332, resumed); a figure lower than the last one is a count that
 * began anew (a process counting alone), added to what was counted before it: a session's cost,
 * and a day's, never go down.
 */
export function addClaudeCost(state: UsageState, costUsd: number, at: number): UsageState {
  const usage: SessionUsage = { ...state.usage, costByDay: { ...state.usage.costByDay } };
  const cursor = { ...state.cursor };
  if (cursor.claudeCostUsd !== undefined && costUsd < cursor.claudeCostUsd) cursor.claudeBaseUsd = (cursor.claudeBaseUsd ?? 0) + cursor.claudeCostUsd;
  const before = usage.costUsd;
  // Claude Code's figure replaces the price table's estimate, but never below what was counted.
  usage.costUsd = Math.max((cursor.claudeBaseUsd ?? 0) + costUsd, cursor.claudeCostUsd === undefined ? 0 : before);
  usage.costSource = 'claude-code';
  usage.pricesAsOf = undefined;
  addToDay(usage, at, usage.costUsd - before);
  usage.updatedAt = Math.max(usage.updatedAt, at);
  return { usage, cursor: { ...cursor, claudeCostUsd: costUsd } };
}

/** What a status line's input said at `at`: Claude Code's cost and context. */
export function addStatusLine(state: UsageState, figures: StatusLineFigures, at: number): UsageState {
  let next: UsageState = { usage: { ...state.usage }, cursor: { ...state.cursor, statusLineAt: at } };
  // Before the first answer Claude Code shows no context (null): the figures then are its cost only.
  if (figures.contextPercent !== undefined) {
    next.usage.contextPercent = figures.contextPercent;
    next.usage.contextWindow = figures.contextWindow ?? next.usage.contextWindow;
    next.usage.contextTokens = figures.contextTokens ?? next.usage.contextTokens;
    next.usage.contextSource = 'claude-code';
  } else if (figures.contextWindow !== undefined) {
    next.usage.contextWindow = figures.contextWindow;
  }
  if (figures.model) next.usage.model = figures.model;
  if (figures.costUsd !== undefined && figures.costUsd !== state.cursor.claudeCostUsd) next = addClaudeCost(next, figures.costUsd, at);
  return next;
}

/** A cost change goes to the day it happened; a day never goes below nothing. */
function addToDay(usage: SessionUsage, at: number, change: number): void {
  if (change === 0) return;
  const day = dayOf(at);
  usage.costByDay[day] = Math.max(0, (usage.costByDay[day] ?? 0) + change);
}

/** A session's cost on a day. */
export const costOnDay = (usage: SessionUsage | undefined, day: string): number => usage?.costByDay[day] ?? 0;
