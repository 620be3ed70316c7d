/** How a session's usage, budget and worktree read in lists and tooltips, as pure text. */
import type { SessionRecord } from '../model/sessionRecord';
import { formatTokens, formatUsd, SessionUsage } from '../model/usage';

/** "$0.42 · 63%" for a tree row; "$0.42" before the context is known; undefined before any usage. */
export function usageCompact(usage: SessionUsage | undefined): string | undefined {
  if (!usage) return undefined;
  return usage.contextPercent === undefined ? formatUsd(usage.costUsd) : `${formatUsd(usage.costUsd)} · ${usage.contextPercent}%`;
}

/** "instar/fix-login +12 −3" (its files in the tooltip); undefined outside a worktree. */
export function worktreeCompact(record: Pick<SessionRecord, 'worktree' | 'worktreeChanges' | 'worktreeDiscarded'>): string | undefined {
  if (!record.worktree) return undefined;
  if (record.worktreeDiscarded) return `${record.worktree.branch} (discarded)`;
  const changes = record.worktreeChanges;
  return changes && changes.files > 0 ? `${record.worktree.branch} +${changes.added} −${changes.removed}` : record.worktree.branch;
}

const escape = (text: string): string => text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');

/** The tooltip's lines on usage and budget (Markdown, each ending in a line break). */
export function usageTooltipLines(record: Pick<SessionRecord, 'usage' | 'budgetUsd' | 'budgetExceeded'>): string[] {
  const lines: string[] = [];
  const usage = record.usage;
  if (usage) {
    const source = usage.costSource === 'claude-code' ? 'as Claude Code counts it' : `from the price table of ${usage.pricesAsOf ?? 'its date'} (Claude Code gave no cost)`;
    lines.push(`Cost: ${formatUsd(usage.costUsd)}, ${source}${usage.unpriced?.length ? `; no price for ${usage.unpriced.map(escape).join(', ')}` : ''}  `);
    const { input, output, cacheRead, cacheCreation } = usage.tokens;
    lines.push(`Tokens: ${formatTokens(input)} in, ${formatTokens(output)} out, ${formatTokens(cacheRead)} cache reads, ${formatTokens(cacheCreation)} cache writes  `);
    if (usage.contextPercent !== undefined) {
      const of = usage.contextTokens !== undefined && usage.contextWindow !== undefined ? ` (${formatTokens(usage.contextTokens)} of ${formatTokens(usage.contextWindow)} tokens)` : '';
      lines.push(`Context: ${usage.contextPercent}% used${of}${usage.contextSource === 'claude-code' ? '' : ', from the transcript'}  `);
    }
  }
  if (record.budgetUsd !== undefined) {
    const spent = usage?.costUsd ?? 0;
    lines.push(`Budget: ${formatUsd(record.budgetUsd)}, ${Math.min(999, Math.round((spent / record.budgetUsd) * 100))}% spent${record.budgetExceeded ? ' (stopped)' : ''}  `);
  }
  return lines;
}

/** The tooltip's lines on the worktree (Markdown). */
export function worktreeTooltipLines(record: Pick<SessionRecord, 'worktree' | 'worktreeChanges' | 'worktreeDiscarded'>): string[] {
  const worktree = record.worktree;
  if (!worktree) return [];
  const changes = record.worktreeChanges;
  const counted = changes ? `${changes.files} file${changes.files === 1 ? '' : 's'} changed, +${changes.added} −${changes.removed}` : 'changes not counted yet';
  return [
    `Worktree: branch \`${worktree.branch.replace(/`/g, "'")}\` from \`${worktree.base.replace(/`/g, "'")}\`${record.worktreeDiscarded ? ', discarded' : `, ${counted}`}  `,
    `Worktree folder: \`${worktree.path.replace(/`/g, "'")}\`  `,
  ];
}
