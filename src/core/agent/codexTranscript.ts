/**
 * Codex's rollout file (`~/.codex/sessions/YYYY/MM/DD/rollout-<time>-<thread id>.jsonl`), one
 * JSON entry per line, only ever appended (a resumed thread, `codex resume` or `codex exec
 * resume`, goes on in the same file): what each line says of the session's usage and of its
 * conversation, as transcript.ts does for Claude Code. Read as Codex 0.169.0 writes it.
 */
import type { TokenCounts } from '../model/usage';
import { ConversationItem, count, EMPTY, isObject, Json, LineParser, str, timeOf, toolSummary, TranscriptLine } from './transcript';

const LONG_ENTRY: ConversationItem = { kind: 'note', text: 'A very long entry (a tool result or a pasted file) is not shown.' };

/**
 * A parser of a rollout's lines, one after the other. It keeps the model of the turn being read:
 * a usage record does not name it, the turn's `turn_context` line before it does. `model` is
 * the one to assume until such a line is read (a read that starts within a turn).
 */
export function createCodexLineParser(model = 'unknown'): LineParser {
  let turnModel = model;
  return (line, truncated = false) => {
    if (truncated) {
      const read = parseTruncated(line);
      turnModel = read.model ?? turnModel;
      return read.line;
    }
    let entry: unknown;
    try {
      entry = JSON.parse(line);
    } catch {
      return EMPTY;
    }
    if (!isObject(entry) || !isObject(entry.payload)) return EMPTY;
    const at = timeOf(entry.timestamp);
    const payload = entry.payload;
    switch (entry.type) {
      case 'turn_context':
        turnModel = str(payload.model) ?? turnModel;
        return EMPTY;
      case 'token_usage_record':
        return usageLine(payload, turnModel, at, entry.ordinal);
      case 'response_item':
        return { items: responseItems(payload, at) };
      case 'event_msg':
        return { items: eventItems(payload, at) };
      case 'compacted':
        return { items: [{ kind: 'note', at, text: 'The conversation was compacted here; what came before is summarized for the model.' }] };
      default:
        return EMPTY;
    }
  };
}

/**
 * One response's tokens. Codex records each response once as a token_usage_record (its own
 * usage, beside the turn's and thread's sums); the token_count events after it repeat the same
 * figures as `last_token_usage` with a running total, so they are not counted again.
 */
function usageLine(payload: Json, model: string, at: number | undefined, ordinal: unknown): TranscriptLine {
  if (!isObject(payload.usage)) return EMPTY;
  const messageId = str(payload.response_id) ?? `${str(payload.thread_id) ?? 'thread'}#${String(ordinal)}`;
  return { usage: { messageId, model, tokens: tokensOf(payload.usage), at, sidechain: false }, items: [] };
}

/** OpenAI counts cached input inside input_tokens and reasoning inside output_tokens; TokenCounts keeps the cache apart, as the Messages API does. */
function tokensOf(usage: Json): TokenCounts {
  const cacheRead = count(usage.cached_input_tokens);
  const cacheCreation = count(usage.cache_write_input_tokens);
  return { input: Math.max(0, count(usage.input_tokens) - cacheRead - cacheCreation), output: count(usage.output_tokens), cacheRead, cacheCreation };
}

function responseItems(payload: Json, at: number | undefined): ConversationItem[] {
  switch (payload.type) {
    case 'message':
      return messageItems(payload, at);
    case 'function_call': {
      let input: unknown;
      try {
        input = JSON.parse(str(payload.arguments) ?? '');
      } catch {
        input = str(payload.arguments);
      }
      return [toolItem(payload, input, at)];
    }
    case 'custom_tool_call':
      return [toolItem(payload, str(payload.input) ?? '', at)];
    case 'local_shell_call':
      return [toolItem({ ...payload, name: 'shell' }, isObject(payload.action) ? payload.action : {}, at)];
    case 'web_search_call':
      return [toolItem({ ...payload, name: 'web_search' }, isObject(payload.action) ? payload.action : {}, at)];
    case 'function_call_output':
    case 'custom_tool_call_output': {
      const text = outputText(payload.output);
      // exec_command reports the exit code in its output; other tools say nothing of failure.
      const code = /Process exited with code (\d+)/.exec(text)?.[1];
      return [{ kind: 'result', at, toolUseId: str(payload.call_id) ?? '', bytes: Buffer.byteLength(text, 'utf8'), isError: code !== undefined && code !== '0', firstLine: firstLine(text) }];
    }
    default:
      return [];
  }
}

function messageItems(payload: Json, at: number | undefined): ConversationItem[] {
  const parts = Array.isArray(payload.content) ? payload.content.filter(isObject) : [];
  const items: ConversationItem[] = [];
  if (payload.role === 'assistant') {
    for (const part of parts) {
      const text = str(part.text);
      if (part.type === 'output_text' && text && text.trim() !== '') items.push({ kind: 'answer', at, text });
    }
  } else if (payload.role === 'user') {
    for (const part of parts) {
      const text = str(part.text)?.trim();
      if (part.type === 'input_text' && text && !isContext(text)) items.push({ kind: 'prompt', at, text });
      else if (part.type === 'input_image') items.push({ kind: 'note', at, text: 'An image was attached.' });
    }
  }
  return items;
}

/**
 * What Codex adds to the conversation as the user's but the person did not type: the
 * environment, AGENTS.md, skills, a note of an interrupted turn. Each is one tagged block
 * (`<environment_context>…</environment_context>`), or AGENTS.md under its heading.
 */
function isContext(text: string): boolean {
  if (text.startsWith('# AGENTS.md instructions')) return true;
  const open = /^<([a-z_]+)[^>]*>/.exec(text);
  return open !== null && text.endsWith(`</${open[1]}>`);
}

function toolItem(payload: Json, input: unknown, at: number | undefined): ConversationItem {
  const name = str(payload.name) ?? 'tool';
  return { kind: 'tool', at, id: str(payload.call_id) ?? str(payload.id) ?? '', name, summary: codexToolSummary(name, input) };
}

/** What a call ran or touched, on one line: the command, however the tool takes it. */
export function codexToolSummary(name: string, input: unknown): string {
  let text: string | undefined;
  if (isObject(input)) {
    if (name === 'exec_command') text = str(input.cmd);
    else if (Array.isArray(input.command)) text = shellWords(input.command);
    else if (name === 'web_search') text = str(input.query);
  } else if (typeof input === 'string') {
    if (name === 'exec') {
      // The JavaScript `exec` tool (GPT-6 models) runs commands as tools.exec_command({ cmd: "…" }).
      const commands = [...input.matchAll(/exec_command\(\s*\{\s*cmd:\s*("(?:[^"\\]|\\.)*")/g)].map((match) => parseString(match[1]));
      text = commands.length > 0 ? commands.join('; ') : input.split('\n').find((line) => line.trim() !== '' && !line.trim().startsWith('//'));
    } else if (name === 'apply_patch') {
      const files = [...input.matchAll(/^\*\*\* (?:Add|Update|Delete) File: (.+)$/gm)].map((match) => match[1].trim());
      text = files.length > 0 ? files.join(', ') : undefined;
    }
    text ??= input.split('\n').find((line) => line.trim() !== '');
  }
  if (text === undefined) return toolSummary(name, input);
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 160 ? `${line.slice(0, 159)}…` : line;
}

/** A shell call's argv as one command: the script of `bash -lc <script>`, else the words. */
function shellWords(argv: unknown[]): string {
  const words = argv.map(String);
  return words.length === 3 && /(^|\/)(ba|z)?sh$/.test(words[0]) && /^-l?c$/.test(words[1]) ? words[2] : words.join(' ');
}

function parseString(literal: string): string {
  try {
    return String(JSON.parse(literal));
  } catch {
    return literal.slice(1, -1);
  }
}

function outputText(output: unknown): string {
  if (typeof output === 'string') return output;
  if (!Array.isArray(output)) return isObject(output) ? outputText(output.content ?? output.output) : '';
  return output
    .map((part) => (isObject(part) && typeof part.text === 'string' ? part.text : isObject(part) && part.type === 'input_image' ? '[image]' : ''))
    .filter((text) => text !== '')
    .join('\n');
}

function eventItems(payload: Json, at: number | undefined): ConversationItem[] {
  switch (payload.type) {
    case 'error':
      return [{ kind: 'error', at, text: errorText(payload.message) }];
    case 'task_complete':
      // A turn that failed (the API's error) ends with the error on its task_complete.
      return isObject(payload.error) ? [{ kind: 'error', at, text: errorText(payload.error.message) }] : [];
    case 'turn_aborted':
      return [{ kind: 'note', at, text: 'The turn was interrupted.' }];
    default:
      return [];
  }
}

/** Codex passes an API error's body on as its message: its inner message when it is one. */
function errorText(message: unknown): string {
  const text = str(message) ?? 'Codex reported an error';
  try {
    const body: unknown = JSON.parse(text);
    if (isObject(body) && isObject(body.error) && typeof body.error.message === 'string') return body.error.message;
  } catch {
    // Not JSON: the message as it is.
  }
  return text;
}

const firstLine = (text: string): string => (text.split('\n').find((line) => line.trim() !== '') ?? '').trim().slice(0, 160);

/**
 * A line of which only the head and tail are there. The long ones are the session's opening
 * (instructions, tool declarations), which say nothing here, and conversation entries (a long
 * tool output or pasted prompt), which get a note; a turn's model is kept if it can be read.
 */
function parseTruncated(line: string): { line: TranscriptLine; model?: string } {
  const head = line.slice(0, 4096);
  if (/^\{[^{]*"type"\s*:\s*"turn_context"/.test(head)) return { line: EMPTY, model: /"model"\s*:\s*"([^"]+)"/.exec(head)?.[1] };
  if (!/^\{[^{]*"type"\s*:\s*"response_item"/.test(head)) return { line: EMPTY };
  const kind = /"payload"\s*:\s*\{\s*"type"\s*:\s*"([a-z_]+)"/.exec(head)?.[1];
  if (kind === 'function_call_output' || kind === 'custom_tool_call_output' || kind === 'function_call' || kind === 'custom_tool_call') return { line: { items: [LONG_ENTRY] } };
  if (kind !== 'message') return { line: EMPTY };
  const role = /"role"\s*:\s*"([a-z]+)"/.exec(head)?.[1];
  const text = /"text"\s*:\s*"((?:[^"\\]|\\.){0,40})/.exec(head)?.[1] ?? '';
  // The person's long prompt or the model's long answer; not Codex's own context.
  if ((role === 'user' && !text.startsWith('<') && !text.startsWith('# AGENTS.md')) || role === 'assistant') return { line: { items: [LONG_ENTRY] } };
  return { line: EMPTY };
}
