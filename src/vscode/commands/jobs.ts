/** instar.job.runNow, instar.job.enable, instar.job.disable: a job of `.instar/jobs.json`, run now or switched on and off; instar.job.edit: the file itself. */
import * as path from 'node:path';
import * as vscode from 'vscode';
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

/** A job a new `.instar/jobs.json` starts with, disabled until the user says otherwise. */
const FIRST_JOB = {
  slug: 'morning-review',
  schedule: '0 9 * * 1-5',
  prompt: "Review yesterday's commits and list anything that looks risky.",
  endWhenIdleSeconds: 30,
  enabled: false,
};

/** instar.job.edit: opens the workspace's `.instar/jobs.json`, made with one disabled example job when there is none. */
export async function editJobs(ctx: CommandContext): Promise<vscode.TextEditor> {
  const folder = ctx.gate.trustedFolder();
  if (!folder) throw new Error('Jobs run only in a trusted workspace folder.');
  const file = vscode.Uri.file(path.join(folder, '.instar', 'jobs.json'));
  const exists = await vscode.workspace.fs.stat(file).then(
    () => true,
    () => false,
  );
  if (!exists) await vscode.workspace.fs.createDirectory(vscode.Uri.file(path.dirname(file.fsPath)));
  if (!exists) await vscode.workspace.fs.writeFile(file, Buffer.from(`${JSON.stringify([FIRST_JOB], null, 2)}\n`, 'utf8'));
  return vscode.window.showTextDocument(file);
}
