/**
 * Gemini CLI's chat file (`~/.gemini/tmp/<project>/chats/session-<time>-<id8>.jsonl`), one JSON
 * record per line, only ever appended: what each line says of the session's usage and of its
 * conversation, as transcript.ts does for Claude Code. Read as Gemini CLI 0.61.0 writes it.
 *
 * The file is a log of changes to one conversation: a message (`id`, `type`) is appended again
 * whole each time it changes (its tokens, its tool calls), `$set` lines change the header (and
 * at a resume, or when the CLI takes its history back from the model's, replace the whole list
 * of messages with the ones already written), `$rewindTo` drops the messages from one on.
 */
import type { TokenCounts } from '../model/usage';
import { ConversationItem, count, EMPTY, isObject, Json, LineParser, str, timeOf, toolSummary, TranscriptLine } from './transcript';

/**
 * A parser of a chat file's lines, one after the other. It remembers which answers, tool calls
 * and prompts it gave, so a message written again gives its items once; its usage comes with
 * each writing, under the message's id (a later one replaces the earlier, see addAnswer).
 */
export function createGeminiLineParser(): LineParser {
  const given = new Set<string>();
  const once = (key: string): boolean => {
    if (given.has(key)) return false;
    given.add(key);
    return true;
  };
  return (line, truncated = false) => {
    if (truncated) return parseTruncated(line, once);
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      return EMPTY;
    }
    if (!isObject(record)) return EMPTY;
    if (typeof record.$rewindTo === 'string') return { items: [{ kind: 'note', text: 'The conversation was rewound here; what follows replaces the later messages.' }] };
    const id = str(record.id);
    if (id === undefined) return EMPTY;
    const at = timeOf(record.timestamp);
    switch (record.type) {
      case 'user':
        return { items: once(`user:${id}`) ? userItems(record, at) : [] };
      case 'gemini':
        return modelLine(record, id, at, once);
      case 'error':
        return { items: once(`error:${id}`) ? [{ kind: 'error', at, text: errorText(contentText(record.content)) }] : [] };
      default:
        // info and warning: the CLI's own remarks ("This request failed. Press F12 …").
        return EMPTY;
    }
  };
}

/**
 * A model's message: its text, its tool calls, its tokens. The CLI records the API's usage as
 * input (promptTokenCount, cache reads included), output (candidates), cached, thoughts and tool
 * (the prompt of tool use); thoughts are billed as output, tool-use prompts as input.
 */
function tokensOf(tokens: Json): TokenCounts {
  const cacheRead = count(tokens.cached);
  return { input: Math.max(0, count(tokens.input) - cacheRead) + count(tokens.tool), output: count(tokens.output) + count(tokens.thoughts), cacheRead, cacheCreation: 0 };
}

function modelLine(record: Json, id: string, at: number | undefined, once: (key: string) => boolean): TranscriptLine {
  const usage = isObject(record.tokens) ? { messageId: id, model: str(record.model) ?? 'unknown', tokens: tokensOf(record.tokens), at, sidechain: false } : undefined;
  const items: ConversationItem[] = [];
  const text = contentText(record.content);
  if (text.trim() !== '' && once(`answer:${id}`)) items.push({ kind: 'answer', at, text });
  for (const call of Array.isArray(record.toolCalls) ? record.toolCalls.filter(isObject) : []) {
    const callId = str(call.id) ?? '';
    if (!once(`tool:${id}:${callId}`)) continue;
    const name = str(call.name) ?? 'tool';
    items.push({ kind: 'tool', at: timeOf(call.timestamp) ?? at, id: callId, name, summary: geminiToolSummary(name, call.args) });
  }
  return { usage, items };
}

/** A call on one line: a shell call's command (its `description` is the model's words for it), else as for Claude Code's tools. */
export function geminiToolSummary(name: string, args: unknown): string {
  const command = name === 'run_shell_command' && isObject(args) ? str(args.command) : undefined;
  return command === undefined ? toolSummary(name, args) : toolSummary('Bash', { command });
}

/** "[API Error: {"error":{"message":…}}]", as the CLI records a failed request: the API's message. */
function errorText(text: string): string {
  const body = /^\[API Error: ([\s\S]*)\]$/.exec(text.trim())?.[1];
  if (body) {
    try {
      const parsed: unknown = JSON.parse(body);
      if (isObject(parsed) && isObject(parsed.error) && typeof parsed.error.message === 'string') return parsed.error.message;
    } catch {
      return body;
    }
  }
  return text.trim() || 'Gemini CLI reported an error';
}

/** A person's prompt (what they typed, not what the CLI expanded it to), or the results of the model's tool calls. */
function userItems(record: Json, at: number | undefined): ConversationItem[] {
  const items: ConversationItem[] = [];
  const typed = record.displayContent !== undefined ? contentText(record.displayContent).trim() : undefined;
  if (typed) items.push({ kind: 'prompt', at, text: typed });
  for (const part of partsOf(record.content)) {
    if (typeof part.text === 'string') {
      const text = part.text.trim();
      if (typed === undefined && text !== '' && !text.startsWith('<session_context>')) items.push({ kind: 'prompt', at, text });
    } else if (isObject(part.functionResponse)) {
      items.push(resultItem(part.functionResponse, at));
    } else if (isObject(part.inlineData) || isObject(part.fileData)) {
      items.push({ kind: 'note', at, text: 'A file was attached.' });
    }
  }
  return items;
}

function resultItem(response: Json, at: number | undefined): ConversationItem {
  const body = isObject(response.response) ? response.response : {};
  const error = str(body.error);
  const text = error ?? str(body.output) ?? JSON.stringify(body);
  // Tool output reaches the model wrapped as untrusted; the wrapper says nothing here.
  const shown = text.replace(/^\s*<untrusted_context>\s*/, '').replace(/\s*<\/untrusted_context>\s*$/, '');
  return { kind: 'result', at, toolUseId: str(response.id) ?? '', bytes: Buffer.byteLength(shown, 'utf8'), isError: error !== undefined, firstLine: firstLine(shown) };
}

const partsOf = (content: unknown): Json[] => (typeof content === 'string' ? [{ text: content }] : Array.isArray(content) ? content.filter(isObject) : isObject(content) ? [content] : []);

/** The text of a message's content (a string or parts), thoughts and calls left out. */
function contentText(content: unknown): string {
  return partsOf(content)
    .filter((part) => typeof part.text === 'string' && part.thought !== true)
    .map((part) => part.text as string)
    .join('');
}

const firstLine = (text: string): string => (text.split('\n').find((line) => line.trim() !== '') ?? '').trim().slice(0, 160);

/**
 * A line of which only the head and tail are there: a long message (a long answer, a pasted
 * prompt, a tool's output written with its call) or a `$set` that rewrote the whole list, which
 * says nothing new. A model message's tokens are read where they stand (a small flat object).
 */
function parseTruncated(line: string, once: (key: string) => boolean): TranscriptLine {
  const head = line.slice(0, 4096);
  const id = /^\{\s*"id"\s*:\s*"([^"]+)"/.exec(head)?.[1];
  const type = /"type"\s*:\s*"([a-z]+)"/.exec(head)?.[1];
  if (id === undefined || (type !== 'user' && type !== 'gemini')) return EMPTY;
  const items: ConversationItem[] = once(`long:${id}`) ? [{ kind: 'note', text: 'A very long entry (a tool result or a pasted file) is not shown.' }] : [];
  if (type !== 'gemini') return { items };
  // The tokens object is flat; the model is named next to it (before or after, by how the message was made).
  const tokensAt = line.lastIndexOf('"tokens"');
  const tokensText = tokensAt === -1 ? undefined : /^"tokens"\s*:\s*(\{[^{}]*\})/.exec(line.slice(tokensAt))?.[1];
  if (tokensText === undefined) return { items };
  let tokens: unknown;
  try {
    tokens = JSON.parse(tokensText);
  } catch {
    return { items };
  }
  const models = [...line.matchAll(/"model"\s*:\s*"([^"]+)"/g)];
  const model = models.sort((a, b) => Math.abs(a.index - tokensAt) - Math.abs(b.index - tokensAt))[0]?.[1] ?? 'unknown';
  const at = timeOf(/"timestamp"\s*:\s*"([^"]+)"/.exec(head)?.[1]);
  return { usage: isObject(tokens) ? { messageId: id, model, tokens: tokensOf(tokens), at, sidechain: false } : undefined, items };
}
