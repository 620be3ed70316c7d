/**
 * Creates a detached tmux session for an agent in one tmux call, with the server options an
 * agent needs: remain-on-exit (so its exit status can be read), a long history, focus events
 * (Claude Code's footer depends on them). On our own server (a -L socket) the global options
 * are ours to set; on the user's default server they are changed only around our pane. The
 * session's tags are set in the same call: a session of ours never exists untagged.
 */
import { isInstarError } from '../util/errors';
import * as tmux from './commands';
import type { TmuxClient } from './tmuxClient';

export interface AgentSessionSpec {
  name: string;
  cwd: string;
  /** The agent's argument vector: no shell sees it. */
  command: readonly string[];
  width: number;
  height: number;
  historyLimit: number;
  /** Commands that tag the new session (sessionTags.ts), run in the same call that creates it. */
  tags: readonly tmux.TmuxArgs[];
}

/** Creates the session; resolves with its pane id (undefined if tmux did not print one). */
export async function createAgentSession(client: TmuxClient, spec: AgentSessionSpec): Promise<string | undefined> {
  const history = String(spec.historyLimit);
  const create = tmux.newSession({ name: spec.name, cwd: spec.cwd, width: spec.width, height: spec.height, command: spec.command });
  let output: string;
  if (client.socket) {
    // remain-on-exit must be set before the pane exists, or a quick exit loses its status.
    const commands = [tmux.startServer(), tmux.setGlobalOption('remain-on-exit', 'on'), tmux.setGlobalOption('history-limit', history), tmux.setGlobalOption('focus-events', 'on'), create, ...spec.tags];
    try {
      output = await client.run(commands);
    } catch (error) {
      // A server left empty exits (its last session was just killed): a client that reached it
      // while it did so is told "server exited unexpectedly". Nothing was created; start a new one.
      if (!isInstarError(error, 'server-gone')) throw error;
      output = await client.run(commands);
    }
  } else {
    // The user's default server: raise the history limit only while creating our pane, and
    // set remain-on-exit on our pane alone, in the same call (before tmux handles any exit).
    const previous = (await client.run([tmux.showGlobalOption('history-limit')]).catch(() => '2000')).trim() || '2000';
    output = await client.run([
      tmux.setGlobalOption('history-limit', history),
      create,
      ...spec.tags,
      tmux.setPaneOption(tmux.sessionPane(spec.name), 'remain-on-exit', 'on'),
      tmux.setGlobalOption('history-limit', previous),
    ]);
  }
  return output.split('\n').find((line) => /^%\d+$/.test(line.trim()))?.trim();
}
