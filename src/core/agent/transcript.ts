/**
 * Claude Code's transcript (`<config dir>/projects/<folder>/<session id>.jsonl`), one JSON entry
 * per line: what each line says of the session's usage (an answer's tokens, Claude Code's own
 * cost) and of its conversation (prompts, answers, tool calls and their results, errors).
 * Lines of other kinds (snapshots, titles, attachments) say nothing here; lines that are not
 * JSON are skipped.
 */
import type { TokenCounts } from '../model/usage';

/** The usage of one answer (the API's message), as its line carries it. */
export interface AnswerUsage {
  messageId: string;
  model: string;
  tokens: TokenCounts;
  at: number | undefined;
  /** A subagent's (Task) answer, kept in the same file by some versions. */
  sidechain: boolean;
}

/** One step of the conversation, in the order of the transcript. */
export type ConversationItem =
  | { kind: 'prompt'; at?: number; text: string }
  | { kind: 'command'; at?: number; text: string }
  | { kind: 'answer'; at?: number; text: string }
  | { kind: 'tool'; at?: number; id: string; name: string; summary: string }
  | { kind: 'result'; at?: number; toolUseId: string; bytes: number; isError: boolean; firstLine: string }
  | { kind: 'error'; at?: number; text: string }
  | { kind: 'note'; at?: number; text: string };

export interface TranscriptLine {
  usage?: AnswerUsage;
  /** totalCostUSD of a cost-state entry (written by later versions as the session ends). */
  claudeCostUsd?: number;
  items: ConversationItem[];
}

/** A reader of one kind of transcript's lines (`truncated`: only the line's head and tail are there). */
export type LineParser = (line: string, truncated?: boolean) => TranscriptLine;

/** A line that says nothing here. The helpers below read JSON entries of any CLI's transcript. */
export const EMPTY: TranscriptLine = { items: [] };

export type Json = Record<string, unknown>;
export const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
export const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
export const count = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0);

/** What one line of a transcript says. `truncated`: only its head and tail are there (see readNewLines). */
export function parseTranscriptLine(line: string, truncated = false): TranscriptLine {
  if (truncated) return parseTruncated(line);
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch {
    return EMPTY;
  }
  if (!isObject(entry)) return EMPTY;
  const at = timeOf(entry.timestamp);
  switch (entry.type) {
    case 'assistant':
      return assistantLine(entry, at);
    case 'user':
      return { items: userItems(entry, at) };
    case 'system':
      return { items: systemItems(entry, at) };
    case 'cost-state': {
      const cost = entry.totalCostUSD;
      return typeof cost === 'number' && Number.isFinite(cost) && cost >= 0 ? { claudeCostUsd: cost, items: [] } : EMPTY;
    }
    default:
      return EMPTY;
  }
}

/** An ISO time as epoch ms; undefined when it is not one. */
export function timeOf(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

function tokensOf(usage: Json): TokenCounts {
  return {
    input: count(usage.input_tokens),
    output: count(usage.output_tokens),
    cacheRead: count(usage.cache_read_input_tokens),
    cacheCreation: count(usage.cache_creation_input_tokens),
  };
}

function assistantLine(entry: Json, at: number | undefined): TranscriptLine {
  const message = isObject(entry.message) ? entry.message : {};
  const model = str(message.model) ?? 'unknown';
  const id = str(message.id);
  // "<synthetic>": a message Claude Code made itself (an API error shown as an answer); it cost nothing.
  const usage = id && isObject(message.usage) && model !== '<synthetic>' ? { messageId: id, model, tokens: tokensOf(message.usage), at, sidechain: entry.isSidechain === true } : undefined;
  const items: ConversationItem[] = [];
  const content = Array.isArray(message.content) ? message.content : typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : [];
  for (const block of content) {
    if (!isObject(block)) continue;
    if (block.type === 'text' && typeof block.text === 'string' && block.text.trim() !== '') {
      items.push(entry.isApiErrorMessage === true ? { kind: 'error', at, text: block.text } : { kind: 'answer', at, text: block.text });
    } else if (block.type === 'tool_use') {
      items.push({ kind: 'tool', at, id: str(block.id) ?? '', name: str(block.name) ?? 'tool', summary: toolSummary(str(block.name) ?? '', block.input) });
    }
  }
  return { usage, items };
}

function userItems(entry: Json, at: number | undefined): ConversationItem[] {
  if (entry.isMeta === true) return [];
  const message = isObject(entry.message) ? entry.message : {};
  if (entry.isCompactSummary === true) return [{ kind: 'note', at, text: 'The conversation was compacted here; what came before is summarized for the model.' }];
  if (typeof message.content === 'string') return promptItems(message.content, at);
  const items: ConversationItem[] = [];
  for (const block of Array.isArray(message.content) ? message.content : []) {
    if (!isObject(block)) continue;
    if (block.type === 'tool_result') {
      const text = resultText(block.content);
      items.push({ kind: 'result', at, toolUseId: str(block.tool_use_id) ?? '', bytes: Buffer.byteLength(text, 'utf8'), isError: block.is_error === true, firstLine: firstLine(text) });
    } else if (block.type === 'text' && typeof block.text === 'string') {
      items.push(...promptItems(block.text, at));
    } else if (block.type === 'image') {
      items.push({ kind: 'note', at, text: 'An image was attached.' });
    }
  }
  return items;
}

/** A typed prompt, or a slash command (which Claude Code records as tags), or nothing for its own output. */
function promptItems(text: string, at: number | undefined): ConversationItem[] {
  const command = /<command-name>([^<]*)<\/command-name>/.exec(text);
  if (command) {
    const args = /<command-args>([^<]*)<\/command-args>/.exec(text)?.[1]?.trim();
    return [{ kind: 'command', at, text: `${command[1].trim()}${args ? ` ${args}` : ''}` }];
  }
  if (/^\s*<(local-command-stdout|local-command-stderr|bash-stdout|bash-stderr)>/.test(text)) return [];
  const cleaned = text.replace(/<system-reminder>[\s\S]*?<\/system-reminder>/g, '').trim();
  return cleaned === '' ? [] : [{ kind: 'prompt', at, text: cleaned }];
}

function systemItems(entry: Json, at: number | undefined): ConversationItem[] {
  const content = str(entry.content);
  if (entry.subtype === 'api_error' || (entry.level === 'error' && content)) return [{ kind: 'error', at, text: content ?? 'API error' }];
  if (entry.subtype === 'compact_boundary') return [{ kind: 'note', at, text: 'The conversation was compacted here.' }];
  return [];
}

function resultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part) => (isObject(part) && typeof part.text === 'string' ? part.text : isObject(part) && part.type === 'image' ? '[image]' : '')).join('\n');
}

const firstLine = (text: string): string => (text.split('\n').find((line) => line.trim() !== '') ?? '').trim().slice(0, 160);

/** The text of an item that a search looks in: what was said, a tool call's name and summary, a result's first line. */
export function itemText(item: ConversationItem): string {
  switch (item.kind) {
    case 'tool':
      return `${item.name} ${item.summary}`;
    case 'result':
      return item.firstLine;
    default:
      return item.text;
  }
}

/** A tool call on one line: what it ran or touched, not its whole input. */
export function toolSummary(name: string, input: unknown): string {
  if (!isObject(input)) return '';
  const pick = (...keys: string[]) => keys.map((key) => str(input[key])).find((value) => value !== undefined && value !== '');
  const special = name === 'Bash' ? pick('command') : name === 'Task' || name === 'Agent' ? pick('description', 'prompt') : pick('file_path', 'path', 'pattern', 'url', 'query', 'notebook_path', 'description', 'command');
  const text = special ?? JSON.stringify(input);
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 160 ? `${line.slice(0, 159)}…` : line;
}

/**
 * A line of which only the head and tail are there (over the reader's limit): an answer's usage
 * is read from its tail, where the message's fields end; the conversation gets a note.
 */
function parseTruncated(line: string): TranscriptLine {
  const head = line.slice(0, 4096);
  const note: ConversationItem = { kind: 'note', text: 'A very long entry (a tool result or a pasted file) is not shown.' };
  if (!/"type"\s*:\s*"assistant"/.test(line.slice(-2048)) && !/^\{[^{]*"type"\s*:\s*"assistant"/.test(head)) return { items: [note] };
  const id = /"id"\s*:\s*"(msg_[^"]+)"/.exec(head)?.[1] ?? /"id"\s*:\s*"(msg_[^"]+)"/.exec(line)?.[1];
  const model = /"model"\s*:\s*"([^"]+)"/.exec(head)?.[1] ?? 'unknown';
  const usageAt = line.lastIndexOf('"usage"');
  if (!id || usageAt === -1) return { items: [note] };
  const usage = objectAt(line, line.indexOf('{', usageAt));
  return { usage: usage ? { messageId: id, model, tokens: tokensOf(usage), at: timeOf(/"timestamp"\s*:\s*"([^"]+)"/.exec(line.slice(-512))?.[1]), sidechain: /"isSidechain"\s*:\s*true/.test(head) } : undefined, items: [note] };
}

/** The JSON object that starts at `start` in `text`, or undefined. */
function objectAt(text: string, start: number): Json | undefined {
  if (start < 0) return undefined;
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i += 1) {
    const char = text[i];
    if (inString) {
      if (char === '\\') i += 1;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === '{') depth += 1;
    else if (char === '}' && (depth -= 1) === 0) {
      try {
        const value: unknown = JSON.parse(text.slice(start, i + 1));
        return isObject(value) ? value : undefined;
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
