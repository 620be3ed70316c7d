/** How a job looks in the Sessions view, as pure data. */
import type { JobState } from '../model/job';
import { formatUsd } from '../model/usage';

function when(at: number, now: number): string {
  const date = new Date(at);
  const time = `${String(date.getHours()).padStart(2, '0')}:${String(date.getMinutes()).padStart(2, '0')}`;
  return new Date(now).toDateString() === date.toDateString() ? time : `${date.toISOString().slice(0, 10)} ${time}`;
}

/** What the job's runs cost: each run's session, and the job today (removed runs included). */
export interface JobCosts {
  ofSession: (name: string) => number | undefined;
  today: number;
}

/** `runsHere`: this window runs the jobs (it leads the workspace); another one does otherwise. */
export function jobLook(state: JobState, now: number, runsHere = true, costs?: JobCosts): { description: string; tooltip: string } {
  const parts: string[] = [];
  if (!state.enabled) parts.push('disabled');
  else if (state.respawnAt !== undefined) parts.push(`respawn ${when(state.respawnAt, now)}`);
  else if (state.nextRunAt !== undefined) parts.push(`next ${when(state.nextRunAt, now)}`);
  if (state.lastResult) parts.push(`last: ${state.lastResult}`);
  if (state.definition.keepAlive) parts.push('keepAlive');
  const d = state.definition;
  if (costs && (costs.today > 0 || d.dailyBudgetUsd !== undefined)) parts.push(`${formatUsd(costs.today)} today${d.dailyBudgetUsd !== undefined ? ` of ${formatUsd(d.dailyBudgetUsd)}` : ''}`);
  const runCost = (session: string) => {
    const cost = costs?.ofSession(session);
    return cost === undefined ? '' : ` · ${formatUsd(cost)}`;
  };
  const limits = [d.budgetUsd !== undefined ? `${formatUsd(d.budgetUsd)} a run` : '', d.dailyBudgetUsd !== undefined ? `${formatUsd(d.dailyBudgetUsd)} a day` : ''].filter(Boolean);
  const tooltip = [
    `**${d.name}** (\`${d.slug}\`)`,
    '',
    `Schedule: \`${d.schedule}\`${state.nextRunAt !== undefined ? `, next run ${new Date(state.nextRunAt).toLocaleString()}` : ''}  `,
    `Prompt: ${d.prompt.split('\n')[0].slice(0, 120)}  `,
    state.lastRunAt !== undefined ? `Last run: ${new Date(state.lastRunAt).toLocaleString()}${state.lastSession ? ` (${state.lastSession})` : ''}  ` : 'Not run yet  ',
    state.failures > 0 ? `Consecutive errors: ${state.failures}  ` : '',
    limits.length > 0 ? `Budget: ${limits.join(', ')}  ` : '',
    d.worktree ? `Each run in a worktree of its own${typeof d.worktree === 'object' ? `, from ${d.worktree.base}` : ''}  ` : '',
    runsHere ? '' : 'Run by another window of this workspace (the one that leads it); its runs show here as sessions.  ',
    ...(state.runs.length > 0 ? ['', 'Last runs:', ...state.runs.map((run) => `- ${when(run.at, now)} ${run.session}: ${run.result}${runCost(run.session)}`)] : []),
  ].join('\n');
  return { description: parts.join(' · '), tooltip };
}
