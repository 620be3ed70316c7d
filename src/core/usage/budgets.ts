/** Spending limits in USD: where a sum stands against one, and what a limit may be. */
import { invalidInput } from '../util/errors';

/** The share of a budget at which a warning is given. */
export const BUDGET_WARNING_SHARE = 0.8;
/** The largest budget accepted (a guard against a typo of a few zeros). */
export const MAX_BUDGET_USD = 100_000;

export type BudgetLevel = 'ok' | 'warning' | 'exceeded';

export function budgetLevel(spentUsd: number, limitUsd: number): BudgetLevel {
  if (spentUsd >= limitUsd) return 'exceeded';
  return spentUsd >= limitUsd * BUDGET_WARNING_SHARE ? 'warning' : 'ok';
}

/** A budget as given (API, job, setting): a positive number of USD, or nothing (no limit). */
export function validateBudget(value: unknown, what = 'budget'): number | undefined {
  if (value === undefined || value === null || value === 0) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_BUDGET_USD) {
    throw invalidInput(`The ${what} must be a number of US dollars above 0 and at most ${MAX_BUDGET_USD} (0 or nothing for no limit), not ${JSON.stringify(value)}.`);
  }
  return value;
}
