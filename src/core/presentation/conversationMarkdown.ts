/**
 * A session's conversation as a readable Markdown document: prompts and answers in full, each
 * tool call folded to one line with the size of what it returned (or its error), errors and
 * notes set apart. Pure: the VS Code side shows it and reveals a line of it.
 */
import type { ConversationItem } from '../agent/transcript';
import type { SessionRecord } from '../model/sessionRecord';
import { formatTokens, formatUsd } from '../model/usage';
import { STATUS_LOOKS } from './sessionPresentation';

export interface ConversationDocument {
  text: string;
  /** The document line (0-based) that shows each item, by the item's index. */
  lineOfItem: number[];
}

const time = (at: number | undefined): string => (at === undefined ? '' : ` · ${new Date(at).toLocaleTimeString()}`);

/** `text` as inline code, whatever backticks it holds. */
function code(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((match) => match[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${longest > 0 ? ' ' : ''}${text}${longest > 0 ? ' ' : ''}${fence}`;
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${bytes} B`;
}

export function conversationMarkdown(record: SessionRecord, items: readonly ConversationItem[], transcript: string | undefined): ConversationDocument {
  const lines: string[] = [];
  const lineOfItem: number[] = new Array(items.length).fill(0);
  lines.push(`# ${record.name}`);
  lines.push('');
  const facts = [STATUS_LOOKS[record.status].label + (record.statusDetail ? ` (${record.statusDetail})` : ''), `model ${record.model}`];
  if (record.turns) facts.push(`${record.turns} turn${record.turns === 1 ? '' : 's'}`);
  if (record.usage) {
    facts.push(formatUsd(record.usage.costUsd));
    if (record.usage.contextPercent !== undefined) facts.push(`context ${record.usage.contextPercent} %`);
    facts.push(`${formatTokens(record.usage.tokens.output)} tokens out`);
  }
  lines.push(facts.join(' · '));
  lines.push('');
  lines.push(transcript ? `Transcript: ${code(transcript)}` : 'Claude Code has not reported a transcript for this session yet.');
  if (items.length === 0) {
    lines.push('');
    lines.push('_Nothing was said yet._');
  }

  const results = new Map<string, Extract<ConversationItem, { kind: 'result' }>>();
  const toolLine = new Map<string, number>();
  items.forEach((item) => item.kind === 'result' && results.set(item.toolUseId, item));
  let last: ConversationItem['kind'] | undefined;
  items.forEach((item, index) => {
    const heading = (title: string) => {
      lines.push('', `### ${title}${time(item.at)}`, '');
    };
    switch (item.kind) {
      case 'prompt':
        heading('You');
        lineOfItem[index] = lines.length - 2;
        lines.push(...item.text.split('\n'));
        break;
      case 'command':
        heading('You');
        lineOfItem[index] = lines.length - 2;
        lines.push(code(item.text));
        break;
      case 'answer':
        if (last !== 'answer' && last !== 'tool' && last !== 'result') heading('Claude');
        else lines.push('');
        lineOfItem[index] = lines.length;
        lines.push(...item.text.split('\n'));
        break;
      case 'tool': {
        if (last !== 'answer' && last !== 'tool' && last !== 'result') heading('Claude');
        const result = results.get(item.id);
        const outcome = result === undefined ? 'running…' : result.isError ? `error: ${result.firstLine || 'failed'}` : formatBytes(result.bytes);
        lineOfItem[index] = lines.length;
        toolLine.set(item.id, lines.length);
        lines.push(`- **${item.name}** ${item.summary ? code(item.summary) : ''} → ${outcome}`);
        break;
      }
      case 'result':
        // Shown on its call's line.
        lineOfItem[index] = toolLine.get(item.toolUseId) ?? Math.max(0, lines.length - 1);
        return;
      case 'error':
        lines.push('');
        lineOfItem[index] = lines.length;
        lines.push(`> **Error:** ${item.text.split('\n').join(' ')}`);
        break;
      case 'note':
        lines.push('');
        lineOfItem[index] = lines.length;
        lines.push(`_${item.text}_`);
        break;
    }
    last = item.kind;
  });
  lines.push('');
  return { text: lines.join('\n'), lineOfItem };
}

