/**
 * A session's conversation as it grows: the transcript's items (see transcriptFormats.ts), read
 * from where the last read stopped, so following a long session costs only what it adds.
 */
import type { AgentKind } from '../model/sessionRecord';
import type { ConversationItem } from './transcript';
import { LineParser, transcriptParser } from './transcriptFormats';
import { readNewLines } from './transcriptReader';

export class ConversationReader {
  private offset = 0;
  private readonly list: ConversationItem[] = [];
  private parse: LineParser;

  constructor(
    readonly transcript: string,
    private readonly kind: AgentKind = 'claude',
  ) {
    this.parse = transcriptParser(kind);
  }

  get items(): readonly ConversationItem[] {
    return this.list;
  }

  /** Reads what was added; returns whether any item was. */
  async update(): Promise<boolean> {
    const before = this.list.length;
    const read = await readNewLines(this.transcript, this.offset, (line, truncated) => {
      this.list.push(...this.parse(line, truncated).items);
    });
    if (read.restarted) {
      this.list.length = 0;
      this.offset = 0;
      this.parse = transcriptParser(this.kind);
      await this.update();
      return true;
    }
    this.offset = read.offset;
    return this.list.length !== before;
  }
}

/** Every item of a transcript, one at a time, with its index (as ConversationReader numbers them), without keeping them. */
export async function forEachItem(transcript: string, kind: AgentKind, visit: (item: ConversationItem, index: number) => void): Promise<void> {
  let index = 0;
  const parse = transcriptParser(kind);
  await readNewLines(transcript, 0, (line, truncated) => {
    for (const item of parse(line, truncated).items) visit(item, index++);
  });
}
