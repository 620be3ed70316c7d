/**
 * `.instar/jobs.json`: an array of jobs. Each entry is checked on its own: an invalid entry is
 * reported (naming it and the field) and left out, the valid ones keep working.
 */
import { Cron } from 'croner';
import type { JobDefinition } from '../model/job';
import { NOTIFY_KINDS, NotifyKind } from '../model/notifyKind';
import type { AgentKind } from '../model/sessionRecord';
import { modelFor, validateAgentKind } from '../sessions/agentChoice';
import { validateModel, validateName } from '../sessions/validation';
import { MAX_BUDGET_USD, validateBudget } from '../usage/budgets';

export interface JobsFile {
  jobs: JobDefinition[];
  problems: string[];
}

/** A job's run ends this long after its answer when nobody takes it up, unless the job says otherwise. */
export const DEFAULT_JOB_IDLE_SECONDS = 30;

/** Slugs are session-name characters, short enough for `job-<slug>-YYYYMMDD-HHMM`. */
const MAX_SLUG = 40;

export function parseJobs(text: string): JobsFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { jobs: [], problems: [`jobs.json is not valid JSON: ${(error as Error).message}`] };
  }
  if (!Array.isArray(data)) return { jobs: [], problems: ['jobs.json must be an array of jobs: [{ "slug": …, "schedule": …, "prompt": … }]'] };
  const jobs: JobDefinition[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  data.forEach((entry: unknown, index) => {
    const where = (slug?: unknown) => `jobs[${index}]${typeof slug === 'string' && slug ? ` (slug "${slug}")` : ''}`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      problems.push(`${where()}: each job must be an object`);
      return;
    }
    const job = entry as Record<string, unknown>;
    const fail = (field: string, message: string) => problems.push(`${where(job.slug)}: ${field} ${message}`);
    try {
      validateName(job.slug, 'job slug');
    } catch (error) {
      fail('slug', (error as Error).message.replace(/^Invalid job slug /, 'is invalid: '));
      return;
    }
    const slug = job.slug as string;
    if (slug.length > MAX_SLUG) return void fail('slug', `is ${slug.length} characters; at most ${MAX_SLUG}`);
    if (seen.has(slug)) return void fail('slug', 'is used by an earlier job');
    if (typeof job.schedule !== 'string' || job.schedule.trim().split(/\s+/).length !== 5) {
      return void fail('schedule', `${JSON.stringify(job.schedule)} is not a 5-field cron expression (minute hour day-of-month month day-of-week)`);
    }
    try {
      new Cron(job.schedule, { paused: true });
    } catch (error) {
      return void fail('schedule', `${JSON.stringify(job.schedule)} is not a valid cron expression: ${(error as Error).message}`);
    }
    let prompt: string;
    if (typeof job.prompt === 'string' && job.prompt.trim() !== '') prompt = job.prompt;
    else if (typeof job.skill === 'string' && /^[A-Za-z0-9][A-Za-z0-9:_-]*$/.test(job.skill)) prompt = `/${job.skill}`;
    else return void fail('prompt', 'is missing: give "prompt" (text) or "skill" (a skill or slash-command name)');
    let agent: AgentKind | undefined;
    try {
      agent = validateAgentKind(job.agent);
    } catch (error) {
      return void fail('agent', (error as Error).message.replace(/^Unknown agent /, 'is unknown: '));
    }
    let model: string | undefined;
    if (job.model !== undefined) {
      try {
        model = agent ? modelFor(agent, job.model, undefined) : validateModel(job.model);
      } catch (error) {
        return void fail('model', (error as Error).message.replace(/^Invalid model /, 'is invalid: '));
      }
    }
    for (const field of ['enabled', 'keepAlive'] as const) {
      if (job[field] !== undefined && typeof job[field] !== 'boolean') return void fail(field, 'must be true or false');
    }
    const idle = job.endWhenIdleSeconds;
    if (idle !== undefined && (typeof idle !== 'number' || !Number.isInteger(idle) || idle < 0 || idle > 7 * 24 * 3600)) {
      return void fail('endWhenIdleSeconds', 'must be a whole number of seconds from 0 (never) to 604800 (a week)');
    }
    if (job.name !== undefined && typeof job.name !== 'string') return void fail('name', 'must be a string');
    const budgets: Partial<Record<'budgetUsd' | 'dailyBudgetUsd', number>> = {};
    for (const field of ['budgetUsd', 'dailyBudgetUsd'] as const) {
      try {
        budgets[field] = validateBudget(job[field]);
      } catch {
        return void fail(field, `must be a number of US dollars above 0 (at most ${MAX_BUDGET_USD})`);
      }
    }
    const worktree = job.worktree;
    const base = typeof worktree === 'object' && worktree !== null && !Array.isArray(worktree) ? (worktree as Record<string, unknown>).base : undefined;
    if (worktree !== undefined && typeof worktree !== 'boolean' && !(typeof base === 'string' && base.trim() !== '')) {
      return void fail('worktree', 'must be true, false, or { "base": "<branch or commit>" }');
    }
    const notify = job.notify;
    const isKind = (kind: unknown): kind is NotifyKind => (NOTIFY_KINDS as readonly unknown[]).includes(kind);
    if (notify !== undefined && typeof notify !== 'boolean' && !(Array.isArray(notify) && notify.every(isKind))) {
      return void fail('notify', `must be a list of ${NOTIFY_KINDS.join(', ')} (false or []: none; true: as the settings say)`);
    }
    seen.add(slug);
    jobs.push({
      slug,
      name: (job.name as string | undefined) ?? slug,
      schedule: job.schedule.trim(),
      prompt,
      ...(agent ? { agent } : {}),
      model,
      enabled: job.enabled !== false,
      keepAlive: job.keepAlive === true,
      endWhenIdleMs: (typeof idle === 'number' ? idle : DEFAULT_JOB_IDLE_SECONDS) * 1000,
      ...budgets,
      ...(worktree === true ? { worktree: true } : typeof base === 'string' ? { worktree: { base: base.trim() } } : {}),
      ...(notify === false ? { notify: [] } : Array.isArray(notify) ? { notify: [...new Set(notify as NotifyKind[])] } : {}),
    });
  });
  return { jobs, problems };
}

/** The first run strictly after `after`, or undefined when the schedule never fires again. */
export function nextRun(schedule: string, after: number): number | undefined {
  const next = new Cron(schedule, { paused: true }).nextRun(new Date(after));
  return next ? next.getTime() : undefined;
}
