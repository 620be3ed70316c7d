/**
 * Search across sessions: every session's name, prompt and conversation (ended ones too, as long
 * as their transcripts are there), case-insensitive. Transcripts are streamed a line at a time,
 * a few at once, so a search over many large ones holds little in memory.
 */
import { forEachItem } from '../agent/conversationReader';
import { ConversationItem, itemText } from '../agent/transcript';
import type { SessionRecord } from '../model/sessionRecord';
import { invalidInput } from '../util/errors';

export interface SearchMatch {
  session: string;
  where: 'name' | 'prompt' | 'conversation';
  /** In a conversation: which item (as ConversationReader numbers them), what kind, and when. */
  item?: number;
  kind?: ConversationItem['kind'];
  at?: number;
  /** The match in its line, with some text on each side. */
  snippet: string;
}

export interface SearchResult {
  query: string;
  matches: SearchMatch[];
  /** Sessions looked at, and those whose transcript could not be read (gone). */
  sessions: number;
  unreadable: string[];
  /** More matches than `limit` were found. */
  truncated: boolean;
}

export const MAX_QUERY_CHARS = 200;
const PER_SESSION = 20;
const AT_ONCE = 4;
const AROUND = 60;

export function validateQuery(query: unknown): string {
  if (typeof query !== 'string' || query.trim() === '') throw invalidInput('Give the text to search for (q=…): 1 to 200 characters.');
  const text = query.trim();
  if (text.length > MAX_QUERY_CHARS) throw invalidInput(`The search text is ${text.length} characters; at most ${MAX_QUERY_CHARS}.`);
  return text;
}

/** The line of `text` around the first match of `needle` (lower-case), or undefined. */
function snippetOf(text: string, needle: string): string | undefined {
  const at = text.toLowerCase().indexOf(needle);
  if (at < 0) return undefined;
  const start = Math.max(0, text.lastIndexOf('\n', at) + 1, at - AROUND);
  const lineEnd = text.indexOf('\n', at);
  const end = Math.min(lineEnd === -1 ? text.length : lineEnd, at + needle.length + AROUND);
  return `${start > 0 ? '…' : ''}${text.slice(start, end).trim()}${end < text.length ? '…' : ''}`;
}

export async function searchSessions(records: readonly SessionRecord[], query: string, limit = 100): Promise<SearchResult> {
  const text = validateQuery(query);
  const needle = text.toLowerCase();
  const bySession = new Map<string, SearchMatch[]>();
  const unreadable: string[] = [];
  const searchOne = async (record: SessionRecord) => {
    const found: SearchMatch[] = [];
    const name = snippetOf(record.name, needle);
    if (name) found.push({ session: record.name, where: 'name', snippet: name });
    const prompt = snippetOf(record.prompt, needle);
    if (prompt) found.push({ session: record.name, where: 'prompt', snippet: prompt });
    if (record.transcriptPath) {
      try {
        await forEachItem(record.transcriptPath, record.agentKind, (item, index) => {
          if (found.length >= PER_SESSION) return;
          const snippet = snippetOf(itemText(item), needle);
          if (snippet) found.push({ session: record.name, where: 'conversation', item: index, kind: item.kind, at: item.at, snippet });
        });
      } catch {
        unreadable.push(record.name);
      }
    }
    bySession.set(record.name, found);
  };
  const queue = [...records];
  await Promise.all(
    Array.from({ length: Math.min(AT_ONCE, queue.length) }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) await searchOne(next);
    }),
  );
  // In the records' order (oldest first), each session's matches in the order they were said.
  const all = records.flatMap((record) => bySession.get(record.name) ?? []);
  return { query: text, matches: all.slice(0, limit), sessions: records.length, unreadable, truncated: all.length > limit };
}
