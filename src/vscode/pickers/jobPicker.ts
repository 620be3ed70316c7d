/** Which job a command acts on: the clicked tree node, a slug argument, or a QuickPick of `.instar/jobs.json`. */
import * as vscode from 'vscode';
import type { JobScheduler } from '../../core/jobs/jobScheduler';
import type { QuickPicker } from './quickPicker';

export async function resolveJob(scheduler: JobScheduler, picker: QuickPicker, arg: unknown, placeHolder: string): Promise<string | undefined> {
  if (typeof arg === 'string') return arg;
  if (arg && typeof arg === 'object' && 'slug' in arg && typeof arg.slug === 'string') return arg.slug;
  const jobs = scheduler.list();
  if (jobs.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('No jobs: define them in .instar/jobs.json.'));
    return undefined;
  }
  const picked = await picker.pick(
    jobs.map((state) => ({ label: state.definition.name, description: `${state.definition.schedule}${state.enabled ? '' : ' · disabled'}`, slug: state.definition.slug })),
    { placeHolder },
  );
  return picked?.slug;
}
