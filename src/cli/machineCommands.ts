/**
 * The commands of this machine and workspace rather than of a session: `instar doctor` (what the
 * machine has), `keeper` (the team kept with no VS Code open) and `mcp` (the team as MCP tools).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { describeAgentClis, surveyAgentClis } from '../core/agent/agentClis';
import { ExecaRunner } from '../core/util/commandRunner';
import { UsageError, words } from './cliArgs';
import { Command, EXIT } from './cliCommand';

export const machineCommands = {
  doctor: {
    usage: 'instar doctor',
    summary: 'Say what this machine has for Instar Sessions: tmux and each agent CLI (Claude Code, Codex, Gemini CLI), where and which version, and what to install for a missing one. Exit status 1 when tmux or every agent CLI is missing.',
    async run(c) {
      words(c, 0, 0);
      const runner = new ExecaRunner();
      const [tmux, agents] = await Promise.all([runner.run('tmux', ['-V'], { timeoutMs: 10_000 }), surveyAgentClis(runner, { envPath: c.io.env.PATH ?? '' })]);
      const tmuxVersion = tmux.exitCode === 0 ? tmux.stdout.trim() : undefined;
      if (c.json) c.io.out(JSON.stringify({ tmux: tmuxVersion ?? null, agents }, null, 2));
      else {
        c.io.out(tmuxVersion ? `✓ ${tmuxVersion}` : '✗ tmux: not found. Install it (for example "sudo apt-get install tmux" or "brew install tmux"): every session runs in tmux.');
        for (const line of describeAgentClis(agents)) c.io.out(line);
      }
      return tmuxVersion && agents.some((agent) => agent.version) ? EXIT.ok : EXIT.refused;
    },
  },
  keeper: {
    usage: 'instar keeper [status | start | stop] [--workspace <folder>] [--state-dir <folder>] [--no-api] [--debug]',
    summary:
      "Keep a workspace's team with no VS Code open: its scheduled jobs, its API, endings when idle and budgets. With no command it runs in the foreground until interrupted (a server, a systemd unit); start runs it in the background (it ends once nothing is left to keep), status says whether one runs, stop stops it (the sessions go on in tmux). The workspace is this folder unless given; its settings come from its .vscode/settings.json.",
    flags: ['no-api', 'debug'],
    options: ['workspace', 'state-dir'],
    async run(c) {
      const [verb] = words(c, 0, 1);
      if (verb !== undefined && !['status', 'start', 'stop'].includes(verb)) throw new UsageError(`Unknown keeper command ${JSON.stringify(verb)}: use status, start or stop, or none to run it here.`);
      if (!c.io.runKeeper) throw new Error('The keeper cannot be started from here.');
      const args = [...(verb === undefined ? [] : [verb]), ...(['workspace', 'state-dir'] as const).flatMap((name) => (c.options.has(name) ? [`--${name}`, c.options.get(name)!] : [])), ...(['no-api', 'debug'] as const).filter((name) => c.flags.has(name)).map((name) => `--${name}`)];
      return c.io.runKeeper(args);
    },
  },
  mcp: {
    usage: 'instar mcp [--workspace <folder>]',
    summary:
      "Serve the team as MCP tools over stdio (spawn, list, status, output, send, wait, result, kill), for an agent started by hand: claude mcp add instar -- instar mcp --workspace <folder>. It talks to the workspace's API as the other commands do.",
    options: ['workspace'],
    async run(c) {
      words(c, 0, 0);
      if (!c.io.runMcp) throw new Error('The MCP server cannot be started from here.');
      const given = c.options.get('workspace');
      const workspace = given === undefined ? c.io.cwd : path.resolve(c.io.cwd, given);
      if (!(await isFolder(workspace))) throw new UsageError(`The workspace ${workspace} is not a folder.`);
      return c.io.runMcp(workspace);
    },
  },
} satisfies Record<string, Command>;

async function isFolder(folder: string): Promise<boolean> {
  return (await fs.stat(folder).catch(() => undefined))?.isDirectory() ?? false;
}
