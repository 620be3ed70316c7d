/** instar.job.runNow, instar.job.enable, instar.job.disable: a job of `.instar/jobs.json`, run now or switched on and off. */
import type { JobScheduler } from '../../core/jobs/jobScheduler';
import { resolveJob } from '../pickers/jobPicker';
import type { CommandContext } from './commandContext';

function scheduler(ctx: CommandContext): JobScheduler {
  const jobs = ctx.jobs();
  if (!jobs) throw new Error('Jobs run only in a trusted workspace folder.');
  return jobs;
}

export async function runJobNow(ctx: CommandContext, arg: unknown): Promise<unknown> {
  const jobs = scheduler(ctx);
  const slug = await resolveJob(jobs, ctx.picker, arg, 'Run which job now?');
  return slug ? jobs.runNow(slug) : undefined;
}

export async function enableJob(ctx: CommandContext, arg: unknown): Promise<void> {
  const jobs = scheduler(ctx);
  const slug = await resolveJob(jobs, ctx.picker, arg, 'Enable which job?');
  if (slug) await jobs.setEnabled(slug, true);
}

export async function disableJob(ctx: CommandContext, arg: unknown): Promise<void> {
  const jobs = scheduler(ctx);
  const slug = await resolveJob(jobs, ctx.picker, arg, 'Disable which job?');
  if (slug) await jobs.setEnabled(slug, false);
}
