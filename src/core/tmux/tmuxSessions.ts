/** The sessions of a tmux server as a person sees them, including ones Instar did not start. */
import type { TmuxClient } from './tmuxClient';

export interface TmuxSessionInfo {
  name: string;
  panes: number;
  dead: boolean;
  attached: boolean;
  createdAt: number | undefined;
  /** The size of its (first) pane. */
  width: number | undefined;
  height: number | undefined;
  /** Instar's: the engine has a record of it, or it carries Instar's tags (this workspace's or another's). */
  known: boolean;
  /** The name of this workspace's session that runs in it (its tmux name is `<folder>-<key>/<name>`), if one does. */
  session: string | undefined;
  /** Started by Instar for another workspace (its tags say so): neither this workspace's nor foreign. */
  otherWorkspace: boolean;
  /** The shell command that attaches a terminal to it. */
  attachCommand: string;
}

/** One `list-panes` call; a session is dead when every pane of it is. `sessionOf`: the engine's session in a tmux session; `workspace`: the engine's key (its tags). */
export async function listTmuxSessions(client: TmuxClient, sessionOf: (tmuxName: string) => string | undefined, workspace: string): Promise<TmuxSessionInfo[]> {
  const sessions = new Map<string, TmuxSessionInfo>();
  for (const pane of await client.listPanes()) {
    const existing = sessions.get(pane.sessionName);
    if (existing) {
      existing.panes += 1;
      existing.dead &&= pane.dead;
      continue;
    }
    sessions.set(pane.sessionName, {
      name: pane.sessionName,
      panes: 1,
      dead: pane.dead,
      attached: pane.attachedClients > 0,
      createdAt: pane.createdAt,
      width: pane.width,
      height: pane.height,
      known: sessionOf(pane.sessionName) !== undefined || pane.tags.workspace !== undefined,
      session: sessionOf(pane.sessionName),
      otherWorkspace: pane.tags.workspace !== undefined && pane.tags.workspace !== workspace,
      attachCommand: client.attachCommand(pane.sessionName),
    });
  }
  return [...sessions.values()];
}
