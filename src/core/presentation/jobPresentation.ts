/** How a job looks in the Sessions view, as pure data. */
import type { JobState } from '../model/job';

function when(at: number, now: number): string {
  const date = new Date(at);
  const time = `${String(date.getHours()).padStart(2, '0')}:${String(date.getMinutes()).padStart(2, '0')}`;
  return new Date(now).toDateString() === date.toDateString() ? time : `${date.toISOString().slice(0, 10)} ${time}`;
}

/** `runsHere`: this window runs the jobs (it leads the workspace); another one does otherwise. */
export function jobLook(state: JobState, now: number, runsHere = true): { description: string; tooltip: string } {
  const parts: string[] = [];
  if (!state.enabled) parts.push('disabled');
  else if (state.respawnAt !== undefined) parts.push(`respawn ${when(state.respawnAt, now)}`);
  else if (state.nextRunAt !== undefined) parts.push(`next ${when(state.nextRunAt, now)}`);
  if (state.lastResult) parts.push(`last: ${state.lastResult}`);
  if (state.definition.keepAlive) parts.push('keepAlive');
  const d = state.definition;
  const tooltip = [
    `**${d.name}** (\`${d.slug}\`)`,
    '',
    `Schedule: \`${d.schedule}\`${state.nextRunAt !== undefined ? `, next run ${new Date(state.nextRunAt).toLocaleString()}` : ''}  `,
    `Prompt: ${d.prompt.split('\n')[0].slice(0, 120)}  `,
    state.lastRunAt !== undefined ? `Last run: ${new Date(state.lastRunAt).toLocaleString()}${state.lastSession ? ` (${state.lastSession})` : ''}  ` : 'Not run yet  ',
    state.failures > 0 ? `Consecutive errors: ${state.failures}  ` : '',
    runsHere ? '' : 'Run by another window of this workspace (the one that leads it); its runs show here as sessions.  ',
    ...(state.runs.length > 0 ? ['', 'Last runs:', ...state.runs.map((run) => `- ${when(run.at, now)} ${run.session}: ${run.result}`)] : []),
  ].join('\n');
  return { description: parts.join(' · '), tooltip };
}
