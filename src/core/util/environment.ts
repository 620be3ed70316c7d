/**
 * The environment of the processes the engine starts (tmux clients, and through tmux the
 * agents) loses the variables that would make them misbehave when the host itself runs inside
 * tmux or inside Claude Code: a tmux client would talk to the host's tmux server, and a claude
 * inside claude refuses to start.
 */
export const DROPPED_VARIABLES = ['CLAUDECODE', 'CLAUDE_CODE_ENTRYPOINT', 'TMUX', 'TMUX_PANE'] as const;

/** A copy of `env` without DROPPED_VARIABLES. */
export function childEnvironment(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const copy = { ...env };
  for (const name of DROPPED_VARIABLES) delete copy[name];
  return copy;
}
