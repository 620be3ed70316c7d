/** instar.setBudget: the most a session may cost (USD); empty lifts the limit. */
import * as vscode from 'vscode';
import { formatUsd } from '../../core/model/usage';
import { MAX_BUDGET_USD } from '../../core/usage/budgets';
import { resolveSession } from '../pickers/sessionPicker';
import type { CommandContext } from './commandContext';

/** `budget`: a number of dollars, or null for none (asked for when not given). */
export async function setBudget(ctx: CommandContext, arg: unknown, budget?: unknown): Promise<unknown> {
  const record = await resolveSession(ctx.engine, ctx.picker, arg, { placeHolder: vscode.l10n.t('Set the budget of which session?'), none: vscode.l10n.t('There are no sessions yet.'), selected: ctx.selected });
  if (!record) return undefined;
  let value: number | undefined;
  if (typeof budget === 'number' || budget === null) value = budget ?? undefined;
  else {
    const spent = record.usage?.costUsd ?? 0;
    const text = await vscode.window.showInputBox({
      title: vscode.l10n.t('Budget of {0}', record.name),
      prompt: vscode.l10n.t('US dollars it may spend in all (it has spent {0}); at 80 % you are warned, at the limit its turn is interrupted and it ends. Empty: no limit.', formatUsd(spent)),
      value: record.budgetUsd === undefined ? '' : String(record.budgetUsd),
      ignoreFocusOut: true,
      validateInput: (input) => {
        if (input.trim() === '') return undefined;
        const number = Number(input.trim().replace(/^\$/, ''));
        return Number.isFinite(number) && number > 0 && number <= MAX_BUDGET_USD ? undefined : `A number of dollars above 0 and at most ${MAX_BUDGET_USD}, such as 2.50; empty for no limit.`;
      },
    });
    if (text === undefined) return undefined;
    value = text.trim() === '' ? undefined : Number(text.trim().replace(/^\$/, ''));
  }
  return ctx.engine.usage.setBudget(record.name, value);
}
