/** What a session has used: tokens, cost and context, as plain data kept on its record. */

/** Tokens as the Messages API counts them. */
export interface TokenCounts {
  input: number;
  output: number;
  cacheRead: number;
  cacheCreation: number;
}

/** Where a figure came from: Claude Code's own (its status line's input), or computed here. */
export type UsageSource = 'claude-code' | 'transcript';

export interface SessionUsage {
  /** Tokens of the conversation's turns (every run), from its transcript. */
  tokens: TokenCounts;
  /** Cost in USD of the conversation: Claude Code's own figure where it gave one, else the price table's. */
  costUsd: number;
  costSource: UsageSource;
  /** The price table's date, when the cost was computed from it. */
  pricesAsOf?: string;
  /** Models of the conversation the price table has no price for (their tokens are not in costUsd). */
  unpriced?: string[];
  /** How full the context is: percent of the model's window, the tokens in it, the window. */
  contextPercent?: number;
  contextTokens?: number;
  contextWindow?: number;
  contextSource?: UsageSource;
  /** The model of the last answer, as the API named it ("claude-sonnet-5"). */
  model?: string;
  /** Cost by local day (YYYY-MM-DD), for daily totals and budgets. */
  costByDay: Record<string, number>;
  /** When the figures last changed. */
  updatedAt: number;
}

/** Where the reading of a session's usage stands: what was read of its transcript, and the status line's last figures. */
export interface UsageCursor {
  /** The transcript read, and how far (bytes of whole lines). */
  transcript?: string;
  offset: number;
  /**
   * The last answer counted, with what it added: Claude Code writes a line per content block,
   * each with the message's usage, so a later line of the same answer replaces its figures.
   */
  last?: { messageId: string; model: string; tokens: TokenCounts; costUsd: number | undefined };
  /** The price table's cost of what was read. */
  tableCostUsd: number;
  /** The run (see SessionRecord.runs) read once more after it ended: nothing more comes of it. */
  settledRun?: number;
  /** The status line file's modification time last read, and the cost Claude Code gave in it. */
  statusLineAt?: number;
  claudeCostUsd?: number;
  /** What Claude Code had counted before its count began anew (a lower figure came): added to its figures. */
  claudeBaseUsd?: number;
}

export const NO_TOKENS: TokenCounts = Object.freeze({ input: 0, output: 0, cacheRead: 0, cacheCreation: 0 });

export const totalTokens = (tokens: TokenCounts): number => tokens.input + tokens.output + tokens.cacheRead + tokens.cacheCreation;

/** The local day of a moment, as YYYY-MM-DD. */
export function dayOf(ms: number): string {
  const date = new Date(ms);
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** "$0.42", "$12.30", "$0.0031" for sums under a cent. */
export function formatUsd(usd: number): string {
  if (usd > 0 && usd < 0.01) return `$${usd.toPrecision(2)}`;
  return `$${usd.toFixed(2)}`;
}

/** "12.3k", "1.2M", "950". */
export function formatTokens(count: number): string {
  if (count >= 1_000_000) return `${(count / 1_000_000).toFixed(count >= 10_000_000 ? 0 : 1)}M`;
  if (count >= 1000) return `${(count / 1000).toFixed(count >= 10_000 ? 0 : 1)}k`;
  return String(count);
}
