/**
 * instar.kill: interrupts a live session's agent; its record and output stay. Asked from the UI
 * (tree, keyboard, palette) about a session that is busy (starting, running or waiting for you),
 * it asks first, unless `instar.confirmKill` is off; a name argument (a script) never asks.
 */
import * as vscode from 'vscode';
import { isEnded, type SessionRecord } from '../../core/model/sessionRecord';
import { STATUS_LOOKS } from '../../core/presentation/sessionPresentation';
import { resolveSession } from '../pickers/sessionPicker';
import type { CommandContext } from './commandContext';

const KILL = 'Kill';
const KILL_ALWAYS = "Kill, Don't Ask Again";

export async function kill(ctx: CommandContext, arg: unknown): Promise<unknown> {
  const record = await resolveSession(ctx.engine, ctx.picker, arg, { placeHolder: vscode.l10n.t('Kill which session?'), filter: (r) => !isEnded(r), none: vscode.l10n.t('No session is running.'), alwaysAsk: true, selected: ctx.selected });
  if (!record) return undefined;
  if (typeof arg !== 'string' && !(await confirmKill(ctx, record))) return undefined;
  return ctx.engine.kill(record.name);
}

async function confirmKill(ctx: CommandContext, record: SessionRecord): Promise<boolean> {
  const busy = record.status === 'starting' || record.status === 'running' || record.status === 'waiting';
  if (!busy || !ctx.settings().confirmKill) return true;
  const resume = record.claudeSessionId ? ' Resume Session can start its conversation again.' : '';
  const choice = await vscode.window.showWarningMessage(
    vscode.l10n.t('Kill {0}? It is {1}.', record.name, STATUS_LOOKS[record.status].label.toLowerCase()),
    { modal: true, detail: `Its agent is interrupted and its tmux session ends; the record and the output stay.${resume}` },
    KILL,
    KILL_ALWAYS,
  );
  if (choice === KILL_ALWAYS) await vscode.workspace.getConfiguration('instar').update('confirmKill', false, vscode.ConfigurationTarget.Global);
  return choice === KILL || choice === KILL_ALWAYS;
}
