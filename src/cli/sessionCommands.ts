/** The sessions from start to end: `instar spawn`, `list`, `show`, `kill`, `remove` and `resume`. */
import { ApiError } from './apiClient';
import { dollars, queryOf, wholeNumber, words } from './cliArgs';
import { Command, EXIT, Session, show, table } from './cliCommand';
import { waitThenResult } from './waitCommands';

/** GET /workspaces: the other workspaces' live sessions on the tmux server. */
interface MachineWorkspaces {
  others: { key: string; folder: string | null; sessions: { name: string; status: string | null; costUsd: number | null }[] }[];
}

const ENDED = new Set(['completed', 'error', 'killed', 'lost']);

export const sessionCommands = {
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
} satisfies Record<string, Command>;
