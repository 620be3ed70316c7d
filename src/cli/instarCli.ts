/**
 * `instar`: the local API of Instar Sessions from a terminal, for agents and people, without
 * curl. Each command wraps one route (or two: spawn and wait); errors are one line on stderr and
 * an exit status a script can test.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { describeAgentClis, surveyAgentClis } from '../core/agent/agentClis';
import { ExecaRunner } from '../core/util/commandRunner';
import { ApiClient, ApiError, UnreachableError } from './apiClient';
import { parseArgs, UsageError } from './cliArgs';
import { serverSentEvents } from './serverSentEvents';

export const EXIT = { ok: 0, refused: 1, usage: 2, unreachable: 3, timeout: 4 } as const;

export interface CliIo {
  env: NodeJS.ProcessEnv;
  cwd: string;
  out: (text: string) => void;
  err: (text: string) => void;
  /** The whole of standard input (for "-" in place of a prompt or text). */
  stdin: () => Promise<string>;
  /** Runs the keeper in the foreground with these arguments; resolves with its exit status. */
  runKeeper?: (args: string[]) => Promise<number>;
  /** Serves MCP over stdio for the workspace found from `cwd`, until stdin closes; resolves with the exit status. */
  runMcp?: (cwd: string) => Promise<number>;
}

interface Session {
  name: string;
  status: string;
  statusDetail: string | null;
  model: string;
  label: string | null;
  turns: number;
  [key: string]: unknown;
}

interface Command {
  usage: string;
  summary: string;
  flags?: string[];
  options?: string[];
  run: (context: Context) => Promise<number>;
}

interface Context {
  api: ApiClient;
  io: CliIo;
  words: string[];
  options: Map<string, string>;
  flags: Set<string>;
  json: boolean;
}

/** GET /workspaces: the other workspaces' live sessions on the tmux server. */
interface MachineWorkspaces {
  others: { key: string; folder: string | null; sessions: { name: string; status: string | null; costUsd: number | null }[] }[];
}

const ENDED = new Set(['completed', 'error', 'killed', 'lost']);

const COMMANDS: Record<string, Command> = {
  spawn: {
    usage: 'instar spawn <name> [<prompt> | -] [--agent claude|codex|gemini|other] [--model <model>] [--permission-mode bypassPermissions|default|acceptEdits|plan] [--label <label>] [--end-when-idle <seconds>] [--budget <usd>] [--worktree] [--branch <branch>] [--wait] [--result] [--timeout <seconds>]',
    summary: 'Start a session (a prompt of "-" is read from standard input); --worktree (or --branch) runs it in a git worktree of its own, --budget caps its cost; --wait waits for its turn to end, --result prints its answer then.',
    flags: ['wait', 'result', 'worktree'],
    options: ['agent', 'model', 'permission-mode', 'label', 'end-when-idle', 'timeout', 'budget', 'branch'],
    async run(c) {
      const [name, promptWord] = words(c, 1, 2);
      const prompt = promptWord === '-' ? await c.io.stdin() : (promptWord ?? '');
      const body: Record<string, unknown> = { name, prompt };
      if (c.options.has('agent')) body.agent = c.options.get('agent');
      if (c.options.has('model')) body.model = c.options.get('model');
      if (c.options.has('permission-mode')) body.permissionMode = c.options.get('permission-mode');
      if (c.options.has('label')) body.label = c.options.get('label');
      if (c.options.has('end-when-idle')) body.endWhenIdleSeconds = wholeNumber(c.options.get('end-when-idle')!, 'end-when-idle');
      if (c.options.has('budget')) body.budgetUsd = dollars(c.options.get('budget')!);
      if (c.options.has('branch')) body.worktree = c.options.get('branch');
      else if (c.flags.has('worktree')) body.worktree = true;
      const session = await c.api.call<Session>('POST', '/sessions/spawn', body);
      if (!c.flags.has('wait') && !c.flags.has('result')) return show(c, session, `Spawned ${session.name} (${session.status}).`);
      return waitThenResult(c, name, undefined);
    },
  },
  list: {
    usage: 'instar list [--status <status>] [--label <label>] [--all]',
    summary: "List the sessions: name, state, model, turns, label; --all adds the live sessions of this machine's other workspaces on the same tmux server.",
    flags: ['all'],
    options: ['status', 'label'],
    async run(c) {
      words(c, 0, 0);
      const sessions = await c.api.call<Session[]>('GET', `/sessions${queryOf(c, ['status', 'label'])}`);
      const all = c.flags.has('all') ? await c.api.call<MachineWorkspaces>('GET', '/workspaces') : undefined;
      if (c.json) return show(c, all ? { sessions, others: all.others } : sessions, '');
      if (sessions.length === 0) c.io.out('No sessions.');
      else c.io.out(table([['NAME', 'STATE', 'MODEL', 'TURNS', 'LABEL', 'DETAIL'], ...sessions.map((s) => [s.name, s.status, s.model, String(s.turns ?? 0), s.label ?? '', s.statusDetail ?? ''])]));
      for (const other of all?.others ?? []) {
        c.io.out(`\n${other.folder ?? `workspace ${other.key.slice(0, 8)} (folder not noted on this machine)`}:`);
        c.io.out(table([['NAME', 'STATE', 'COST'], ...other.sessions.map((s) => [s.name, s.status === 'waiting' ? 'waiting for you' : (s.status ?? 'live'), s.costUsd === null ? '' : `$${s.costUsd.toFixed(2)}`])]));
      }
      if (all && all.others.length === 0) c.io.out('\nNo other workspace has live sessions on this tmux server.');
      return EXIT.ok;
    },
  },
  show: {
    usage: 'instar show <name>',
    summary: 'One session, with the dialog it shows when it waits for you.',
    async run(c) {
      const [name] = words(c, 1, 1);
      return show(c, await c.api.call('GET', `/sessions/${encodeURIComponent(name)}`), undefined);
    },
  },
  wait: {
    usage: 'instar wait <name> | --label <label> [--any] [--until idle,waiting,ended] [--timeout <seconds>] [--since <time>]',
    summary: 'Wait until a session (or every session of a label; with --any the first) is idle, waiting or ended, or the states of --until. Exit status 4 at the time-out.',
    flags: ['any'],
    options: ['label', 'until', 'timeout', 'since'],
    async run(c) {
      const label = c.options.get('label');
      const [name] = words(c, label === undefined ? 1 : 0, label === undefined ? 1 : 0);
      const query = waitQuery(c, c.options.get('since'));
      if (label === undefined) return waitForSession(c, name, query);
      if (c.flags.has('any')) query.set('mode', 'any');
      try {
        const answer = await c.api.call<{ sessions: { reached: string | null; session: Session }[] }>('GET', `/labels/${encodeURIComponent(label)}/wait?${query}`);
        return show(c, answer, answer.sessions.map(({ reached, session }) => `${session.name}: ${reached ?? session.status}`).join('\n'));
      } catch (error) {
        if (error instanceof ApiError && error.status === 408) return timedOut(c, error);
        throw error;
      }
    },
  },
  result: {
    usage: 'instar result <name>',
    summary: "Print the session's last answer (what it said when its last turn ended).",
    async run(c) {
      const [name] = words(c, 1, 1);
      return printResult(c, name);
    },
  },
  send: {
    usage: 'instar send <name> <text | -> [--resume] [--wait] [--result] [--timeout <seconds>]',
    summary: 'Type text into a session and submit it; --resume resumes an ended one first; --wait waits for the turn it starts, --result prints its answer.',
    flags: ['resume', 'wait', 'result'],
    options: ['timeout'],
    async run(c) {
      const [name, textWord] = words(c, 2, 2);
      const text = textWord === '-' ? await c.io.stdin() : textWord;
      const sent = await c.api.call<{ sentAt: string }>('POST', `/sessions/${encodeURIComponent(name)}/input`, { text, ...(c.flags.has('resume') ? { resume: true } : {}) });
      if (!c.flags.has('wait') && !c.flags.has('result')) return show(c, sent, `Sent to ${name}.`);
      return waitThenResult(c, name, sent.sentAt);
    },
  },
  keys: {
    usage: 'instar keys <name> <key>...',
    summary: 'Press keys by name in a session: Escape, Enter, Up, Down, Tab, C-c, 1, y…',
    async run(c) {
      const [name, ...keys] = words(c, 2, Number.POSITIVE_INFINITY);
      return show(c, await c.api.call('POST', `/sessions/${encodeURIComponent(name)}/keys`, { keys }), `Pressed ${keys.join(' ')} in ${name}.`);
    },
  },
  answer: {
    usage: 'instar answer <name> <option>',
    summary: 'Choose an option of the dialog a session shows, by its label or number; it says what came of it (a tool call allowed, or refused and not run).',
    async run(c) {
      const [name, option] = words(c, 2, 2);
      const answer = await c.api.call<{ answered: string; outcome: string }>('POST', `/sessions/${encodeURIComponent(name)}/answer`, { option });
      const outcome = answer.outcome === 'refused' ? ': the tool call was refused and did not run' : answer.outcome === 'allowed' ? ': the tool call is allowed' : '';
      return show(c, answer, `Answered "${answer.answered}" in ${name}${outcome}.`);
    },
  },
  output: {
    usage: 'instar output <name> [--lines <n>]',
    summary: "Print the last lines of a session's screen (100 unless --lines).",
    options: ['lines'],
    async run(c) {
      const [name] = words(c, 1, 1);
      const lines = c.options.get('lines');
      const answer = await c.api.call<{ output: string }>('GET', `/sessions/${encodeURIComponent(name)}/output${lines === undefined ? '' : `?lines=${encodeURIComponent(lines)}`}`);
      return show(c, answer, answer.output.replace(/\n+$/, ''));
    },
  },
  kill: {
    usage: 'instar kill <name>',
    summary: 'End a live session (its record and output stay; it can be resumed).',
    async run(c) {
      const [name] = words(c, 1, 1);
      const session = await c.api.call<Session>('GET', `/sessions/${encodeURIComponent(name)}`);
      if (ENDED.has(session.status)) throw new ApiError(409, `Session "${name}" has already ended (${session.status}); "instar remove ${name}" forgets it.`, {});
      return show(c, await c.api.call('DELETE', `/sessions/${encodeURIComponent(name)}`), `Killed ${name}.`);
    },
  },
  remove: {
    usage: 'instar remove <name>',
    summary: 'Forget an ended session (refuses a live one: kill it first).',
    async run(c) {
      const [name] = words(c, 1, 1);
      const session = await c.api.call<Session>('GET', `/sessions/${encodeURIComponent(name)}`);
      if (!ENDED.has(session.status)) throw new ApiError(409, `Session "${name}" is still live (${session.status}); "instar kill ${name}" ends it first.`, {});
      return show(c, await c.api.call('DELETE', `/sessions/${encodeURIComponent(name)}`), `Removed ${name}.`);
    },
  },
  resume: {
    usage: 'instar resume <name> [<text>]',
    summary: "Start an ended session's conversation again; the text is submitted once it is back.",
    async run(c) {
      const [name, text] = words(c, 1, 2);
      const session = await c.api.call<Session>('POST', `/sessions/${encodeURIComponent(name)}/resume`, text === undefined ? {} : { text });
      return show(c, session, `Resumed ${session.name} (${session.status}).`);
    },
  },
  diff: {
    usage: 'instar diff <name>',
    summary: 'The files a session in a worktree changed against its base, with the lines added and removed.',
    async run(c) {
      const [name] = words(c, 1, 1);
      const diff = await c.api.call<{ branch: string; base: string; added: number; removed: number; files: { path: string; status: string; added?: number; removed?: number }[] }>('GET', `/sessions/${encodeURIComponent(name)}/diff`);
      const lines = diff.files.map((file) => `${file.status.padEnd(8)} ${file.path}  ${file.added === undefined ? 'binary' : `+${file.added} -${file.removed ?? 0}`}`);
      return show(c, diff, [`${diff.branch} against ${diff.base}: ${diff.files.length} file${diff.files.length === 1 ? '' : 's'}, +${diff.added} -${diff.removed}`, ...lines].join('\n'));
    },
  },
  usage: {
    usage: 'instar usage [<name>]',
    summary: "What the sessions cost (today, and each session), or one session's tokens, cost and context.",
    async run(c) {
      const [name] = words(c, 0, 1);
      if (name !== undefined) {
        const session = await c.api.call<Session & { usage: { costUsd: number; costSource: string; inputTokens: number; outputTokens: number; contextPercent: number | null } | null }>('GET', `/sessions/${encodeURIComponent(name)}`);
        const usage = session.usage;
        return show(c, session.usage, usage ? `${name}: $${usage.costUsd.toFixed(4)} (${usage.costSource}), ${usage.inputTokens} tokens in, ${usage.outputTokens} out${usage.contextPercent === null ? '' : `, context ${usage.contextPercent}% used`}` : `${name}: no usage known yet.`);
      }
      const report = await c.api.call<{ today: string; todayUsd: number; totalUsd: number; sessions: { name: string; costUsd: number; status: string; contextPercent?: number }[] }>('GET', '/usage');
      const rows = report.sessions.map((line) => [line.name, line.status, `$${line.costUsd.toFixed(4)}`, line.contextPercent === undefined ? '' : `${line.contextPercent}%`]);
      return show(c, report, [`Today (${report.today}): $${report.todayUsd.toFixed(2)}; all sessions: $${report.totalUsd.toFixed(2)}`, ...(rows.length ? [table([['NAME', 'STATE', 'COST', 'CONTEXT'], ...rows])] : [])].join('\n'));
    },
  },
  search: {
    usage: 'instar search <text> [--limit <n>]',
    summary: "Find sessions whose name, prompt or conversation says the text (ended ones too).",
    options: ['limit'],
    async run(c) {
      const [text] = words(c, 1, 1);
      const query = new URLSearchParams({ q: text });
      if (c.options.has('limit')) query.set('limit', c.options.get('limit')!);
      const found = await c.api.call<{ matches: { session: string; where: string; kind?: string; snippet: string }[] }>('GET', `/search?${query}`);
      if (found.matches.length === 0 && !c.json) {
        c.io.err(`instar: no session says ${JSON.stringify(text)}.`);
        return EXIT.refused;
      }
      return show(c, found, found.matches.map((match) => `${match.session} (${match.kind ?? match.where}): ${match.snippet}`).join('\n'));
    },
  },
  events: {
    usage: 'instar events [--name <name>] [--label <label>]',
    summary: 'Print every state change as it happens, one JSON object a line, until interrupted.',
    options: ['name', 'label'],
    async run(c) {
      words(c, 0, 0);
      const response = await c.api.fetch('GET', `/events${queryOf(c, ['name', 'label'])}`);
      if (!response.ok || !response.body) {
        const body = (await response.json().catch(() => ({}))) as { error?: string };
        throw new ApiError(response.status, body.error ?? `HTTP ${response.status}`, body);
      }
      for await (const event of serverSentEvents(response.body as unknown as AsyncIterable<Uint8Array>)) c.io.out(JSON.stringify(event));
      return EXIT.ok;
    },
  },
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
};

async function isFolder(folder: string): Promise<boolean> {
  return (await fs.stat(folder).catch(() => undefined))?.isDirectory() ?? false;
}

const HELP = [
  'instar: steer Instar Sessions (Claude Code sessions in tmux, run from VS Code) from a terminal.',
  '',
  ...Object.values(COMMANDS).flatMap((command) => [`  ${command.usage}`, `      ${command.summary}`]),
  '',
  'Every command takes --json (print the API\'s JSON) and --help.',
  'The API is found through INSTAR_SERVER_URL and INSTAR_AUTH_TOKEN (every session Instar spawns has them), else .instar/config.json in this folder or above.',
  'Exit status: 0 done, 1 refused by the API (the reason on stderr) or the session ended in error, 2 bad usage, 3 the API cannot be reached, 4 a wait timed out.',
].join('\n');

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const commandName = argv.find((arg) => !arg.startsWith('--'));
  if (argv.length === 0 || commandName === 'help' || (commandName === undefined && argv.includes('--help'))) {
    io.out(HELP);
    return argv.length === 0 ? EXIT.usage : EXIT.ok;
  }
  const command = commandName === undefined ? undefined : COMMANDS[commandName];
  try {
    if (!command) throw new UsageError(`Unknown command ${JSON.stringify(commandName ?? argv[0])}: use one of ${Object.keys(COMMANDS).join(', ')}.`);
    const parsed = parseArgs(argv, new Set(['json', 'help', ...(command.flags ?? [])]), new Set(command.options ?? []));
    if (parsed.flags.has('help')) {
      io.out(`${command.usage}\n  ${command.summary}`);
      return EXIT.ok;
    }
    return await command.run({ api: new ApiClient(io.env, io.cwd), io, words: parsed.words, options: parsed.options, flags: parsed.flags, json: parsed.flags.has('json') });
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`instar: ${error.message}${command ? `\nUsage: ${command.usage}` : ''}\n(instar --help lists the commands.)`);
      return EXIT.usage;
    }
    // The API's refusal, or anything else that went wrong on the way: its own words.
    io.err(`instar: ${(error as Error).message}`);
    return error instanceof UnreachableError ? EXIT.unreachable : EXIT.refused;
  }
}

/** The positional words, at least `min` and at most `max`. */
function words(c: Context, min: number, max: number): string[] {
  if (c.words.length < min || c.words.length > max) {
    throw new UsageError(c.words.length < min ? `Missing ${min - c.words.length === 1 ? 'an argument' : 'arguments'}.` : `Too many arguments: ${c.words.slice(max).map((word) => JSON.stringify(word)).join(' ')}.`);
  }
  return c.words;
}

/** "?status=idle&label=x" from the options given, or "". */
function queryOf(c: Context, keys: readonly string[]): string {
  const query = new URLSearchParams();
  for (const key of keys) if (c.options.has(key)) query.set(key, c.options.get(key)!);
  return query.size ? `?${query}` : '';
}

function dollars(text: string): number {
  const value = Number(text.replace(/^\$/, ''));
  if (!/^\$?\d+(\.\d+)?$/.test(text) || value <= 0) throw new UsageError(`--budget takes a number of US dollars above 0, such as 2.50; got ${JSON.stringify(text)}.`);
  return value;
}

function wholeNumber(text: string, what: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`--${what} takes a whole number of seconds; got ${JSON.stringify(text)}.`);
  return Number(text);
}

function show(c: Context, value: unknown, text: string | undefined): number {
  c.io.out(c.json || text === undefined ? JSON.stringify(value, null, 2) : text);
  return EXIT.ok;
}

function waitQuery(c: Context, since: string | undefined): URLSearchParams {
  const query = new URLSearchParams();
  if (c.options.has('until')) query.set('until', c.options.get('until')!);
  if (c.options.has('timeout')) query.set('timeout', String(wholeNumber(c.options.get('timeout')!, 'timeout')));
  if (since !== undefined) query.set('since', since);
  return query;
}

async function waitForSession(c: Context, name: string, query: URLSearchParams): Promise<number> {
  try {
    const answer = await c.api.call<{ reached: string; session: Session }>('GET', `/sessions/${encodeURIComponent(name)}/wait?${query}`);
    show(c, answer, `${name}: ${answer.reached}${answer.session.statusDetail ? ` (${answer.session.statusDetail})` : ''}`);
    return answer.session.status === 'error' || answer.session.status === 'lost' ? EXIT.refused : EXIT.ok;
  } catch (error) {
    if (error instanceof ApiError && error.status === 408) return timedOut(c, error);
    throw error;
  }
}

/** --wait and --result of spawn and send: the turn's end, then (with --result) its answer. */
async function waitThenResult(c: Context, name: string, since: string | undefined): Promise<number> {
  const query = waitQuery(c, since);
  if (!c.flags.has('result')) return waitForSession(c, name, query);
  const quiet: Context = { ...c, io: { ...c.io, out: () => undefined } };
  const waited = await waitForSession(quiet, name, query);
  return waited === EXIT.timeout ? waited : printResult(c, name);
}

function timedOut(c: Context, error: ApiError): number {
  if (c.json) c.io.out(JSON.stringify(error.body, null, 2));
  c.io.err(`instar: ${error.message}`);
  return EXIT.timeout;
}

async function printResult(c: Context, name: string): Promise<number> {
  const result = await c.api.call<{ answer: string | null; turns: number; status: string; error: string | null }>('GET', `/sessions/${encodeURIComponent(name)}/result`);
  if (c.json) return show(c, result, undefined);
  if (result.answer === null) {
    c.io.err(`instar: ${name} has no answer${result.error ? `: its last turn failed (${result.error})` : result.turns === 0 ? ' yet: no turn has ended' : ''}; it is ${result.status}.`);
    return EXIT.refused;
  }
  c.io.out(result.answer);
  return EXIT.ok;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]))).join('  ').trimEnd()).join('\n');
}
