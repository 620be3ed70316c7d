/**
 * The team as MCP tools, for any agent that speaks MCP (Claude Code, Codex, Gemini CLI) and VS
 * Code's chat. Built on the official SDK; every tool is one or two calls of the workspace's API
 * (over HTTP to whichever host leads for `instar mcp`, in process for the chat), so its
 * validation, its error texts and its limits (body size, live sessions, spawn depth, budgets) are
 * the API's own. A tool that fails answers a tool error with the reason, never ends the server.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult, ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { z } from 'zod';
import { MAX_WAIT_SECONDS } from '../http/sessionWaits';
import { unknownNames } from '../util/text';
import { ApiCaller, ApiError } from './apiCaller';

/** The states a session can be in, and `ended` for any end (for wait's `until`). */
const STATES = ['starting', 'running', 'idle', 'waiting', 'completed', 'error', 'killed', 'lost'] as const;
const AGENTS = ['claude', 'codex', 'gemini', 'other'] as const;
const MODES = ['bypassPermissions', 'default', 'acceptEdits', 'plan'] as const;
/** How often a wait says it still waits. */
const PROGRESS_EVERY_MS = 5000;

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;
type Json = Record<string, unknown>;

interface ApiSession extends Json {
  name: string;
  status: string;
  statusDetail: string | null;
  agent: string;
  model: string;
  label: string | null;
  turns: number;
  /** When it ended (any end: completed, error, killed, lost), or null while live. */
  endedAt: string | null;
}

/** Strict: an unknown field is refused naming the fields the tool takes. */
function fields<T extends z.ZodRawShape>(shape: T) {
  const names = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? `${unknownNames('field', issue.keys)}: this tool takes ${names}.` : undefined),
  });
}

/** A whole number in a range, refused with one message that says the range. */
const wholeNumber = (what: string, min: number, max: number) => {
  const error = `${what}, a whole number from ${min} to ${max}.`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
};

const name = z.string({ error: 'name: the session\'s name, a string of 1 to 64 lower-case letters a-z, digits 0-9 and "-", starting with a letter or digit (list shows them).' }).describe("The session's name.");
const session = z.looseObject({ name: z.string(), status: z.string() });

/** One line for a session: "helper: idle · codex gpt-6-sol · 2 turns · label crew". */
function line(s: ApiSession): string {
  const parts = [`${s.name}: ${s.status}${s.statusDetail ? ` (${s.statusDetail})` : ''}`, `${s.agent} ${s.model}`, `${s.turns} turn${s.turns === 1 ? '' : 's'}`];
  if (s.label) parts.push(`label ${s.label}`);
  return parts.join(' · ');
}

function ok(text: string, structured: Json): CallToolResult {
  return { content: [{ type: 'text', text }], structuredContent: structured };
}

function refused(text: string): CallToolResult {
  return { content: [{ type: 'text', text }], isError: true };
}

const path = (session: string, rest = '') => `/sessions/${encodeURIComponent(session)}${rest}`;

/** The MCP server over `api`; connect it to a transport to serve. */
export function createInstarMcpServer(api: ApiCaller, version: string): McpServer {
  const server = new McpServer(
    { name: 'instar', title: 'Instar Sessions', version },
    {
      instructions:
        'Steer a team of coding agents (Claude Code, Codex, Gemini CLI), each in its own tmux session of this workspace: spawn one with a prompt, wait for it, read its result; list, status, output, send (a follow-up, or an answer to the permission or question it waits on) and kill. Sessions keep running after you stop.',
    },
  );

  /** Runs a tool's body; the API's refusals and an unreachable API become tool errors with their own words. */
  const tool = <A>(body: (args: A, extra: Extra) => Promise<CallToolResult>) => async (args: A, extra: Extra): Promise<CallToolResult> => {
    try {
      return await body(args, extra);
    } catch (error) {
      return refused(error instanceof ApiError ? error.message : (error as Error).message);
    }
  };

  server.registerTool(
    'spawn',
    {
      title: 'Spawn a session',
      description: 'Start an agent in a tmux session of its own with a prompt. It runs on its own: use wait, then result, for its answer.',
      inputSchema: fields({
        name,
        prompt: z.string({ error: 'prompt: the first prompt, a string (up to 500 KiB; "" for none).' }).describe('Its first prompt ("" for none).'),
        agent: z.enum(AGENTS).optional().describe('Which agent CLI runs it (the workspace default when absent).'),
        model: z.string().optional().describe("A model in that CLI's terms: opus, sonnet, haiku or an id for Claude Code; default or an id for Codex and Gemini CLI."),
        label: z.string().optional().describe('A label to wait on several sessions at once.'),
        worktree: z.union([z.boolean(), z.string()]).optional().describe('true: a git worktree of its own on a new branch instar/<name>; a string: that branch.'),
        permissionMode: z.enum(MODES).optional().describe('bypassPermissions (the default) or default (it asks before tools: answer with send), acceptEdits, plan.'),
        endWhenIdleSeconds: wholeNumber('endWhenIdleSeconds: seconds', 0, 604_800).optional().describe('End it once idle this long after a turn (0: never; at most 604800, a week).'),
        budgetUsd: z.number().positive().optional().describe('The most it may cost in US dollars.'),
      }),
      outputSchema: { session },
      annotations: { destructiveHint: false, openWorldHint: true },
    },
    tool(async (args) => {
      const spawned = await api.call<ApiSession>('POST', '/sessions/spawn', args);
      return ok(`Spawned ${line(spawned)}. Wait for it with wait {"name": ${JSON.stringify(spawned.name)}}, then read its answer with result.`, { session: spawned });
    }),
  );

  server.registerTool(
    'list',
    {
      title: 'List sessions',
      description: "This workspace's sessions with their state, agent, model, turns and label.",
      inputSchema: fields({
        status: z.enum(STATES).optional().describe('Only those in this state.'),
        label: z.string().optional().describe('Only those with this label.'),
      }),
      outputSchema: { sessions: z.array(session) },
      annotations: { readOnlyHint: true },
    },
    tool(async (args) => {
      const query = new URLSearchParams(Object.entries(args).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
      const sessions = await api.call<ApiSession[]>('GET', `/sessions${query.size ? `?${query}` : ''}`);
      return ok(sessions.length ? sessions.map(line).join('\n') : 'No sessions.', { sessions });
    }),
  );

  server.registerTool(
    'status',
    {
      title: "A session's state",
      description: 'One session: its state and, while it waits for you, the dialog on its screen with the options to answer (see send).',
      inputSchema: fields({ name }),
      outputSchema: { session },
      annotations: { readOnlyHint: true },
    },
    tool(async ({ name: which }) => {
      const found = await api.call<ApiSession & { dialog?: { question?: string; options?: { label: string }[] } | null }>('GET', path(which));
      const dialog = found.dialog?.options?.length ? `\nIt asks: ${found.dialog.question ?? ''} Options: ${found.dialog.options.map((option) => JSON.stringify(option.label)).join(', ')} (answer with send {"option": …}).` : '';
      return ok(`${line(found)}${dialog}`, { session: found });
    }),
  );

  server.registerTool(
    'output',
    {
      title: "A session's screen",
      description: 'The last lines of its terminal output.',
      inputSchema: fields({ name, lines: wholeNumber('lines: how many lines', 1, 10_000).optional().describe('How many lines, 1 to 10000 (100).') }),
      outputSchema: { session: z.string(), output: z.string() },
      annotations: { readOnlyHint: true },
    },
    tool(async ({ name: which, lines }) => {
      const read = await api.call<{ session: string; output: string }>('GET', path(which, `/output${lines === undefined ? '' : `?lines=${lines}`}`));
      return ok(read.output, read);
    }),
  );

  server.registerTool(
    'send',
    {
      title: 'Send to a session',
      description: 'Either a follow-up prompt ("text"; an ended session is resumed first with "resume": true), or the answer to the permission or question it waits on ("option": the label or number of one of its options, as status shows them).',
      inputSchema: fields({
        name,
        text: z.string().optional().describe('A follow-up prompt, submitted.'),
        option: z.string().optional().describe('The option to choose in the dialog it shows.'),
        resume: z.boolean().optional().describe('With text: resume an ended session first.'),
      }),
      outputSchema: { session: z.string(), sentAt: z.string().optional(), answered: z.string().optional(), outcome: z.string().optional() },
    },
    tool(async ({ name: which, text, option, resume }) => {
      if ((text === undefined) === (option === undefined)) return refused('send takes either "text" (a follow-up prompt) or "option" (the answer to the dialog the session shows), one of them.');
      if (option !== undefined) {
        const answer = await api.call<{ answered: string; outcome: string }>('POST', path(which, '/answer'), { option });
        return ok(`${which}: answered "${answer.answered}" (${answer.outcome}).`, { session: which, answered: answer.answered, outcome: answer.outcome });
      }
      const sent = await api.call<{ sentAt?: string; resumed?: boolean }>('POST', path(which, '/input'), { text, ...(resume ? { resume: true } : {}) });
      return ok(`Sent to ${which}${sent.resumed ? ' (resumed)' : ''}. Wait for its turn with wait {"name": ${JSON.stringify(which)}${sent.sentAt ? `, "since": ${JSON.stringify(sent.sentAt)}` : ''}}.`, { session: which, ...(sent.sentAt ? { sentAt: sent.sentAt } : {}) });
    }),
  );

  server.registerTool(
    'wait',
    {
      title: 'Wait for a session',
      description:
        'Until a session (or every session of a label) reaches one of the states in "until" (idle, waiting or ended when absent), at most timeoutSeconds; with "result": true, then its answer too. Says how it stands every few seconds while it waits.',
      inputSchema: fields({
        name: name.optional(),
        label: z.string().optional().describe('Every session of this label instead of one.'),
        until: z.array(z.enum([...STATES, 'ended'])).min(1).optional().describe('The states to wait for (idle, waiting, ended when absent).'),
        timeoutSeconds: wholeNumber('timeoutSeconds: seconds', 0, MAX_WAIT_SECONDS).optional().describe(`At most this long, 0 to ${MAX_WAIT_SECONDS} (300).`),
        since: z.string().optional().describe("Count only a state entered at or after this time (send's sentAt)."),
        result: z.boolean().optional().describe('Then read its answer (one session only).'),
      }),
      outputSchema: { reached: z.array(z.object({ name: z.string(), reached: z.string() })), answer: z.string().nullable().optional() },
    },
    tool(async (args, extra) => {
      if ((args.name === undefined) === (args.label === undefined)) return refused('wait takes either "name" (one session) or "label" (every session of that label), one of them.');
      if (args.result && args.label !== undefined) return refused('"result" reads one session\'s answer: give "name", not "label".');
      const query = new URLSearchParams();
      if (args.until) query.set('until', args.until.join(','));
      if (args.timeoutSeconds !== undefined) query.set('timeout', String(args.timeoutSeconds));
      if (args.since !== undefined) query.set('since', args.since);
      const route = args.name !== undefined ? path(args.name, `/wait?${query}`) : `/labels/${encodeURIComponent(args.label!)}/wait?${query}`;
      const stopProgress = reportProgress(api, extra, args.name, args.label);
      let reached: { name: string; reached: string }[];
      try {
        if (args.name !== undefined) {
          const answer = await api.call<{ reached: string; session: ApiSession }>('GET', route, undefined, extra.signal);
          reached = [{ name: answer.session.name, reached: answer.reached }];
        } else {
          const answer = await api.call<{ sessions: { reached: string; session: ApiSession }[] }>('GET', route, undefined, extra.signal);
          reached = answer.sessions.map((each) => ({ name: each.session.name, reached: each.reached }));
        }
      } catch (error) {
        if (error instanceof ApiError && error.status === 408) return refused(`${error.message} (still waiting is fine: call wait again).`);
        throw error;
      } finally {
        stopProgress();
      }
      const said = reached.map((each) => `${each.name}: ${each.reached}`).join('\n');
      if (!args.result) return ok(said, { reached });
      const result = await api.call<{ answer: string | null; error: string | null; status: string }>('GET', path(args.name!, '/result'));
      return ok(result.answer ?? `${said}\nNo answer${result.error ? `: its last turn failed (${result.error})` : ''}.`, { reached, answer: result.answer });
    }),
  );

  server.registerTool(
    'result',
    {
      title: "A session's answer",
      description: "The last answer of a session's last ended turn, whole (null before a turn ended or when it failed, with why).",
      inputSchema: fields({ name }),
      outputSchema: { session: z.string(), status: z.string(), answer: z.string().nullable(), turns: z.number(), error: z.string().nullable() },
      annotations: { readOnlyHint: true },
    },
    tool(async ({ name: which }) => {
      const result = await api.call<{ session: string; status: string; answer: string | null; turns: number; error: string | null }>('GET', path(which, '/result'));
      const structured = { session: result.session, status: result.status, answer: result.answer, turns: result.turns, error: result.error };
      if (result.answer !== null) return ok(result.answer, structured);
      return ok(`${which} has no answer${result.error ? `: its last turn failed (${result.error})` : result.turns === 0 ? ' yet: no turn has ended' : ''}; it is ${result.status}.`, structured);
    }),
  );

  server.registerTool(
    'kill',
    {
      title: 'Kill a session',
      description: 'End a live session (its record, conversation and worktree stay; it can be resumed).',
      inputSchema: fields({ name }),
      outputSchema: { session: z.string(), killed: z.boolean() },
      annotations: { destructiveHint: true },
    },
    tool(async ({ name: which }) => {
      const found = await api.call<ApiSession>('GET', path(which));
      if (found.endedAt !== null) return refused(`Session "${which}" has already ended (${found.status}).`);
      await api.call('DELETE', path(which));
      return ok(`Killed ${which}.`, { session: which, killed: true });
    }),
  );

  return server;
}

/**
 * While a wait runs: a progress notification every few seconds with how the session (or label)
 * stands, when the caller asked for progress. Returns what stops it.
 */
function reportProgress(api: ApiCaller, extra: Extra, name: string | undefined, label: string | undefined): () => void {
  const token = extra._meta?.progressToken;
  if (token === undefined) return () => undefined;
  const started = Date.now();
  let ticks = 0;
  const timer = setInterval(() => {
    ticks += 1;
    const sessions = name !== undefined ? api.call<ApiSession>('GET', path(name), undefined, extra.signal).then((one) => [one]) : api.call<ApiSession[]>('GET', `/sessions?${new URLSearchParams({ label: label! })}`, undefined, extra.signal);
    void sessions
      .then((shown) => {
        const message = `${Math.round((Date.now() - started) / 1000)} s: ${shown.map((each) => `${each.name} ${each.status}`).join(', ') || 'no session yet'}`;
        return extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: ticks, message } });
      })
      .catch(() => undefined);
  }, PROGRESS_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
