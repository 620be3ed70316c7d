/**
 * What tokens cost, for sessions whose cost Claude Code does not tell (its status line gives its
 * own figure, which is preferred). One dated table of list prices in USD per million tokens, by
 * model family, most specific first; a setting can add or replace entries.
 */
import type { TokenCounts } from '../model/usage';
import { invalidInput } from '../util/errors';

/** The day these prices were compiled (list prices; 5-minute cache writes). */
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
}

const price = (input: number, output: number): ModelPrice => ({ input, output, cacheWrite: input * 1.25, cacheRead: input * 0.1 });

/** Checked in order: the first entry whose `match` fits the model id prices it. */
const LIST_PRICES: readonly PriceEntry[] = [
  // Opus 4 and 4.1 kept their launch price; Opus 4.5 and later cost a third of it.
  { match: /opus-4(-[01])?(-\d{8})?$|opus-4-1-/, price: price(15, 75) },
  { match: 'opus', price: price(5, 25) },
  // Claude Code 2.1.197 prices claude-sonnet-5 the same (checked against its status line).
  { match: 'sonnet', price: price(3, 15) },
  { match: /haiku-3/, price: price(0.8, 4) },
  { match: 'haiku', price: price(1, 5) },
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

  /** The price of a model, or undefined when the table does not know it. */
  priceOf(model: string): ModelPrice | undefined {
    const id = model.toLowerCase();
    return this.entries.find(({ match }) => (typeof match === 'string' ? id.includes(match.toLowerCase()) : match.test(id)))?.price;
  }

  /** The cost of `tokens` of `model` in USD, or undefined when the model has no price. */
  costOf(model: string, tokens: TokenCounts): number | undefined {
    const found = this.priceOf(model);
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
