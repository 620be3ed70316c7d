/**
 * What tokens cost, for sessions whose cost their CLI does not tell (Claude Code's status line
 * gives its own figure, which is preferred; Codex and Gemini CLI give none). One dated table of
 * list prices in USD per million tokens, by model, most specific first; a setting can add or
 * replace entries. A model the table does not know stays unpriced (its tokens counted, its cost
 * not), and a budget over it says so rather than holding silently at nothing.
 */
import type { TokenCounts } from '../model/usage';
import { invalidInput } from '../util/errors';

/** The day these prices were compiled (list prices; Anthropic's 5-minute cache writes). */
export const PRICES_AS_OF = '2026-12-01';

export interface ModelPrice {
  /** USD per million tokens. */
  input: number;
  output: number;
  cacheWrite: number;
  cacheRead: number;
}

interface PriceEntry {
  /** What the model id contains, or a pattern it matches. */
  match: string | RegExp;
  price: ModelPrice;
  /** A dearer price for an answer whose prompt (input and cache, in tokens) is longer than `tokens` (Gemini's long-context tier). */
  long?: { tokens: number; price: ModelPrice };
}

/** Anthropic's: a cache write costs a quarter more than input, a read a tenth. */
const price = (input: number, output: number): ModelPrice => ({ input, output, cacheWrite: input * 1.25, cacheRead: input * 0.1 });
/** OpenAI's and Google's: no charge for writing the cache, a read at `readShare` of input. */
const cached = (input: number, output: number, readShare = 0.1): ModelPrice => ({ input, output, cacheWrite: input, cacheRead: input * readShare });
const LONG_PROMPT = 200_000;

/** Checked in order: the first entry whose `match` fits the model id prices it. */
const LIST_PRICES: readonly PriceEntry[] = [
  // Opus 4 and 4.1 kept their launch price; Opus 4.5 and later cost a third of it.
  { match: /opus-4(-[01])?(-\d{8})?$|opus-4-1-/, price: price(15, 75) },
  { match: 'opus', price: price(5, 25) },
  // Claude Code 2.1.197 prices claude-sonnet-5 the same (checked against its status line).
  { match: 'sonnet', price: price(3, 15) },
  { match: /haiku-3/, price: price(0.8, 4) },
  { match: 'haiku', price: price(1, 5) },
  // OpenAI's, by exact id (a dated snapshot too): "gpt-5" must not price "gpt-5.6-luna".
  { match: /^gpt-5(\.1)?-codex-mini(-\d{4}-\d\d-\d\d)?$|^gpt-5-mini(-\d{4}-\d\d-\d\d)?$/, price: cached(0.25, 2) },
  { match: /^gpt-5-nano(-\d{4}-\d\d-\d\d)?$/, price: cached(0.05, 0.4) },
  { match: /^gpt-5\.2(-codex)?(-\d{4}-\d\d-\d\d)?$/, price: cached(1.75, 14) },
  { match: /^gpt-5(\.1)?(-codex)?(-max)?(-\d{4}-\d\d-\d\d)?$/, price: cached(1.25, 10) },
  { match: /^o3(-\d{4}-\d\d-\d\d)?$|^gpt-4\.1(-\d{4}-\d\d-\d\d)?$/, price: cached(2, 8, 0.25) },
  { match: /^o4-mini(-\d{4}-\d\d-\d\d)?$/, price: cached(1.1, 4.4, 0.25) },
  // Google's, by exact id; the Pro models cost more for a prompt over 200k tokens.
  { match: /^gemini-3-pro(-preview)?$/, price: cached(2, 12), long: { tokens: LONG_PROMPT, price: cached(4, 18) } },
  { match: /^gemini-3-flash(-preview)?$/, price: cached(0.5, 3) },
  { match: /^gemini-2\.5-pro$/, price: cached(1.25, 10), long: { tokens: LONG_PROMPT, price: cached(2.5, 15) } },
  { match: /^gemini-2\.5-flash-lite$/, price: cached(0.1, 0.4) },
  { match: /^gemini-2\.5-flash$/, price: cached(0.3, 2.5) },
  { match: /^gemini-2\.0-flash(-001)?$/, price: cached(0.1, 0.4, 0.25) },
];

/** Prices by the model id (or part of it) they apply to, as a setting gives them. */
export type PriceOverrides = Record<string, Partial<ModelPrice>>;

export class PriceTable {
  private readonly entries: PriceEntry[];

  /** `overrides` come first: an id (or part of one) with the prices that replace or add to the list. */
  constructor(overrides: PriceOverrides = {}) {
    const own = Object.entries(overrides).map(([match, given]) => ({ match, price: validatePrice(match, given) }));
    this.entries = [...own, ...LIST_PRICES];
  }

  /** The price of a model (for an answer whose prompt is `promptTokens` long), or undefined when the table does not know it. */
  priceOf(model: string, promptTokens = 0): ModelPrice | undefined {
    const id = model.toLowerCase();
    const entry = this.entries.find(({ match }) => (typeof match === 'string' ? id.includes(match.toLowerCase()) : match.test(id)));
    return entry?.long && promptTokens > entry.long.tokens ? entry.long.price : entry?.price;
  }

  /** The cost of `tokens` of `model` in USD, or undefined when the model has no price. */
  costOf(model: string, tokens: TokenCounts): number | undefined {
    const found = this.priceOf(model, tokens.input + tokens.cacheRead + tokens.cacheCreation);
    if (!found) return undefined;
    return (tokens.input * found.input + tokens.output * found.output + tokens.cacheCreation * found.cacheWrite + tokens.cacheRead * found.cacheRead) / 1_000_000;
  }
}

/** A setting's price: input and output required, the cache prices derived from input when not given. */
function validatePrice(match: string, given: Partial<ModelPrice> | undefined): ModelPrice {
  const number = (value: unknown) => typeof value === 'number' && Number.isFinite(value) && value >= 0;
  if (typeof given !== 'object' || given === null || !number(given.input) || !number(given.output)) {
    throw invalidInput(`The price of ${JSON.stringify(match)} needs "input" and "output" in USD per million tokens (numbers ≥ 0), and may give "cacheWrite" and "cacheRead".`);
  }
  for (const key of ['cacheWrite', 'cacheRead'] as const) {
    if (given[key] !== undefined && !number(given[key])) throw invalidInput(`The "${key}" price of ${JSON.stringify(match)} must be a number ≥ 0 (USD per million tokens).`);
  }
  const derived = price(given.input!, given.output!);
  return { ...derived, ...Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined)) } as ModelPrice;
}
