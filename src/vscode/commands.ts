/**
 * Every command, registered from one table through one wrapper that catches, logs and shows
 * errors. Tree commands take the clicked node; from the palette they ask with a QuickPick.
 */
import * as vscode from 'vscode';
import { isInstarError } from '../core/util/errors';
import { STATUS_LOOKS } from '../core/presentation/sessionPresentation';
import type { SessionEngine } from '../core/sessions/sessionEngine';
import { isEnded, SessionRecord } from '../core/model/sessionRecord';
import { outputUri } from './outputDocuments';
import { resolveSession } from './sessionPicker';
import type { JobScheduler } from '../core/jobs/jobScheduler';
import type { ApiService } from './apiService';
import type { SessionTerminals } from './sessionTerminal';
import type { SessionTreeProvider } from './sessionTree';
import type { Settings } from './settings';
import { spawnFlow, spawnParallelFlow } from './spawnFlow';

export interface CommandContext {
  engine: SessionEngine;
  tree: SessionTreeProvider;
  terminals: SessionTerminals;
  channel: vscode.LogOutputChannel;
  api: ApiService;
  /** The job scheduler, when the workspace is trusted and has a folder. */
  jobs: () => JobScheduler | undefined;
  settings: () => Settings;
  /** Checks that sessions may be spawned here (workspace trust, tmux, agent), showing why not. */
  canSpawn(): Promise<boolean>;
  /** Re-checks tmux and the agent and updates the view's welcome content. */
  checkEnvironment(): Promise<void>;
}

type Handler = (ctx: CommandContext, ...args: unknown[]) => unknown;

const live = (record: SessionRecord) => !isEnded(record);

function workspaceFolder(): string | undefined {
  const editorUri = vscode.window.activeTextEditor?.document.uri;
  const folder = (editorUri && vscode.workspace.getWorkspaceFolder(editorUri)) ?? vscode.workspace.workspaceFolders?.[0];
  return folder?.uri.scheme === 'file' ? folder.uri.fsPath : undefined;
}

function requireFolder(): string {
  const folder = workspaceFolder();
  if (!folder) throw new Error('Open a folder first: sessions run in a workspace folder.');
  return folder;
}

const KEY_CHOICES: { label: string; description: string; keys: string[] }[] = [
  { label: '1', description: 'first option (Yes)', keys: ['1'] },
  { label: '2', description: 'second option', keys: ['2'] },
  { label: '3', description: 'third option (No)', keys: ['3'] },
  { label: 'Enter', description: 'confirm', keys: ['Enter'] },
  { label: 'Escape', description: 'cancel or interrupt', keys: ['Escape'] },
  { label: 'Ctrl-C', description: 'interrupt', keys: ['C-c'] },
  { label: 'Up', description: 'previous option', keys: ['Up'] },
  { label: 'Down', description: 'next option', keys: ['Down'] },
  { label: 'Shift-Tab', description: 'cycle permission mode', keys: ['BTab'] },
];

export const COMMANDS: Record<string, Handler> = {
  'instar.spawn': async (ctx) => {
    if (!(await ctx.canSpawn())) return;
    const record = await spawnFlow(ctx.engine, requireFolder(), ctx.settings().defaultModel);
    if (record) ctx.channel.info(`Spawned ${record.name} from the palette`);
    return record;
  },

  'instar.spawnParallel': async (ctx) => {
    if (!(await ctx.canSpawn())) return;
    const result = await spawnParallelFlow(ctx.engine, requireFolder(), ctx.settings().defaultModel);
    if (!result) return;
    if (result.failed.length > 0) {
      void vscode.window.showErrorMessage(`Spawned ${result.spawned.length}; ${result.failed.length} failed: ${result.failed.map((f) => `${f.name}: ${f.error.message}`).join('; ')}`);
    }
    return result;
  },

  'instar.openTerminal': async (ctx, arg) => {
    const record = await resolveSession(ctx.engine, arg, { placeHolder: 'Open which session as an editor terminal?', none: 'There are no sessions yet.' });
    if (record) return ctx.terminals.show(record);
  },

  'instar.sendInput': async (ctx, arg, text) => {
    const record = await resolveSession(ctx.engine, arg, { placeHolder: 'Send input to which session?', filter: live, none: 'No session is running.' });
    if (!record) return;
    const input =
      typeof text === 'string'
        ? text
        : await vscode.window.showInputBox({ title: `Send to ${record.name}`, prompt: 'Typed as is and submitted with Enter', ignoreFocusOut: true });
    if (input === undefined) return;
    await ctx.engine.sendInput(record.name, input);
  },

  'instar.sendKeys': async (ctx, arg, keys) => {
    const record = await resolveSession(ctx.engine, arg, { placeHolder: 'Answer which session?', filter: live, none: 'No session is running.' });
    if (!record) return;
    let chosen = Array.isArray(keys) ? (keys as string[]) : undefined;
    if (!chosen) {
      const pick = await vscode.window.showQuickPick(KEY_CHOICES, { title: `Answer ${record.name}${record.statusDetail ? ` (${record.statusDetail})` : ''}`, placeHolder: 'Key to send' });
      chosen = pick?.keys;
    }
    if (chosen) await ctx.engine.sendKeys(record.name, chosen);
  },

  'instar.showOutput': async (ctx, arg) => {
    const record = await resolveSession(ctx.engine, arg, { placeHolder: 'Show the output of which session?', none: 'There are no sessions yet.' });
    if (!record) return;
    const document = await vscode.workspace.openTextDocument(outputUri(record.name, ctx.settings().outputLines));
    await vscode.languages.setTextDocumentLanguage(document, 'log');
    return vscode.window.showTextDocument(document, { preview: false });
  },

  'instar.kill': async (ctx, arg) => {
    const record = await resolveSession(ctx.engine, arg, { placeHolder: 'Kill which session?', filter: live, none: 'No session is running.' });
    if (!record) return;
    if (arg === undefined) {
      const confirm = await vscode.window.showWarningMessage(`Kill ${record.name}? The agent is interrupted; its record and output stay.`, { modal: true }, 'Kill');
      if (confirm !== 'Kill') return;
    }
    return ctx.engine.kill(record.name);
  },

  'instar.remove': async (ctx, arg) => {
    const record = await resolveSession(ctx.engine, arg, { placeHolder: 'Remove which ended session?', filter: (r) => isEnded(r), none: 'No session has ended.' });
    if (record) await ctx.engine.remove(record.name);
  },

  'instar.removeEnded': async (ctx) => {
    const ended = ctx.engine.list().filter((record) => isEnded(record));
    if (ended.length === 0) {
      void vscode.window.showInformationMessage('No session has ended.');
      return 0;
    }
    for (const record of ended) await ctx.engine.remove(record.name);
    return ended.length;
  },

  'instar.refresh': async (ctx) => {
    await ctx.checkEnvironment();
    await ctx.engine.refresh();
    ctx.tree.refresh();
  },

  'instar.showTmuxSessions': async (ctx) => {
    const sessions = await ctx.engine.listTmuxSessions();
    const socket = ctx.engine.socket ? `tmux -L ${ctx.engine.socket}` : 'the default tmux server';
    if (sessions.length === 0) {
      void vscode.window.showInformationMessage(`No tmux sessions on ${socket}.`);
      return sessions;
    }
    const picked = await vscode.window.showQuickPick(
      sessions.map((session) => {
        const record = session.known ? ctx.engine.get(session.name) : undefined;
        return {
          label: session.name,
          description: [record ? STATUS_LOOKS[record.status].label : 'not started by Instar', session.dead ? 'exited' : 'running', session.attached ? 'attached' : undefined].filter(Boolean).join(' · '),
          detail: `${session.panes} pane${session.panes === 1 ? '' : 's'}${session.createdAt ? ` · created ${new Date(session.createdAt).toLocaleString()}` : ''}`,
          session,
        };
      }),
      { title: `tmux sessions on ${socket}`, placeHolder: 'Pick one to copy its attach command' },
    );
    if (picked) {
      await vscode.env.clipboard.writeText(ctx.engine.client().attachCommand(picked.session.name));
      void vscode.window.showInformationMessage(`Copied the attach command of ${picked.session.name}.`);
    }
    return sessions;
  },

  'instar.copyAttachCommand': async (ctx, arg) => {
    const record = await resolveSession(ctx.engine, arg, { placeHolder: 'Copy the attach command of which session?', none: 'There are no sessions yet.' });
    if (!record) return;
    const command = ctx.engine.attachCommand(record.name);
    await vscode.env.clipboard.writeText(command);
    return command;
  },

  'instar.copyResumeCommand': async (ctx, arg) => {
    const record = await resolveSession(ctx.engine, arg, { placeHolder: 'Copy the resume command of which session?', none: 'There are no sessions yet.' });
    if (!record) return;
    const command = ctx.engine.resumeCommand(record.name);
    if (!command) throw new Error(`${record.name} has no Claude Code conversation to resume.`);
    await vscode.env.clipboard.writeText(command);
    return command;
  },

  'instar.groupByState': (ctx) => ctx.tree.setGrouped(true),
  'instar.showFlat': (ctx) => ctx.tree.setGrouped(false),
  'instar.showLog': (ctx) => ctx.channel.show(),
  'instar.job.runNow': async (ctx, arg) => {
    const slug = await pickJob(ctx, arg, 'Run which job now?');
    if (slug) return ctx.jobs()!.runNow(slug);
  },
  'instar.job.enable': async (ctx, arg) => {
    const slug = await pickJob(ctx, arg, 'Enable which job?');
    if (slug) await ctx.jobs()!.setEnabled(slug, true);
  },
  'instar.job.disable': async (ctx, arg) => {
    const slug = await pickJob(ctx, arg, 'Disable which job?');
    if (slug) await ctx.jobs()!.setEnabled(slug, false);
  },
  'instar.api.copyToken': async (ctx) => {
    await ctx.api.copyToken();
    void vscode.window.showInformationMessage('Copied the Instar API token.');
  },
  'instar.api.rotateToken': async (ctx) => {
    await ctx.api.rotateToken();
    void vscode.window.showInformationMessage('The Instar API token was rotated; .instar/config.json has the new one.');
  },
};

/** The job named by a tree node or an argument, or one picked from .instar/jobs.json. */
async function pickJob(ctx: CommandContext, arg: unknown, placeHolder: string): Promise<string | undefined> {
  const scheduler = ctx.jobs();
  if (!scheduler) throw new Error('Jobs run only in a trusted workspace folder.');
  if (typeof arg === 'string') return arg;
  if (arg && typeof arg === 'object' && 'slug' in arg && typeof arg.slug === 'string') return arg.slug;
  const jobs = scheduler.list();
  if (jobs.length === 0) {
    void vscode.window.showInformationMessage('No jobs: define them in .instar/jobs.json.');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    jobs.map((state) => ({ label: state.definition.name, description: `${state.definition.schedule}${state.enabled ? '' : ' · disabled'}`, slug: state.definition.slug })),
    { placeHolder },
  );
  return picked?.slug;
}

/** Registers every command of the table; errors are logged and shown, never thrown at VS Code. */
export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  return Object.entries(COMMANDS).map(([id, handler]) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        return await handler(ctx, ...args);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        ctx.channel.error(`${id}: ${message}`);
        if (!isInstarError(error)) ctx.channel.error(error as Error);
        void vscode.window.showErrorMessage(message, 'Show Log').then((choice) => {
          if (choice === 'Show Log') ctx.channel.show();
        });
        if (isInstarError(error, 'tmux-missing') || isInstarError(error, 'agent-missing')) void ctx.checkEnvironment();
        return undefined;
      }
    }),
  );
}
