/**
 * Reading what sessions show, changed, cost and said, without touching them: `instar output`,
 * `diff`, `usage`, `search`, and `events` (their state changes as they happen).
 */
import { ApiError } from './apiClient';
import { queryOf, words } from './cliArgs';
import { Command, EXIT, Session, show, table } from './cliCommand';
import { serverSentEvents } from './serverSentEvents';

export const readingCommands = {
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
} satisfies Record<string, Command>;
