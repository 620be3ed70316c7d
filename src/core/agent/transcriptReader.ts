/**
 * Reads what was appended to a JSON-lines file (a Claude Code transcript) since an offset, in
 * chunks, with flat memory whatever the file's size: only whole lines are handed on, a line still
 * being written is left for the next read, and a line longer than the limit is handed on as its
 * head and tail only (a transcript's huge lines are tool results and pasted files; an answer's
 * usage sits at the end of its line).
 */
import { promises as fs } from 'node:fs';

const CHUNK_BYTES = 1024 * 1024;
/** Lines up to this size are handed on whole. */
export const MAX_LINE_BYTES = 4 * 1024 * 1024;
const HEAD_BYTES = 16 * 1024;
const TAIL_BYTES = 64 * 1024;

export interface LineRead {
  /** Where the next read starts: the end of the last whole line. */
  offset: number;
  /** The file is shorter than the offset given (replaced or cut): it was read from its start. */
  restarted: boolean;
}

/** One line: its text, and whether only its head and tail are there. */
export type LineHandler = (line: string, truncated: boolean) => void;

/**
 * Hands `onLine` every whole line from `offset` on. A missing file reads as nothing (offset 0,
 * not restarted): a transcript appears with its first message.
 */
export async function readNewLines(file: string, offset: number, onLine: LineHandler, maxLineBytes = MAX_LINE_BYTES): Promise<LineRead> {
  // Nothing new costs one stat: the common case, for every session at every start.
  let known: number;
  try {
    known = (await fs.stat(file)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { offset: 0, restarted: offset > 0 };
    throw error;
  }
  if (known === offset) return { offset, restarted: false };
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { offset: 0, restarted: offset > 0 };
    throw error;
  }
  try {
    const { size } = await handle.stat();
    const restarted = size < offset;
    let position = restarted ? 0 : offset;
    /** Where the line being read started. */
    let lineStart = position;
    const line = new LineBuffer(maxLineBytes);
    // No larger than what there is to read: a few new lines cost a few kilobytes, not a megabyte.
    const chunk = Buffer.allocUnsafe(Math.max(1, Math.min(CHUNK_BYTES, size - position)));
    while (position < size) {
      const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, size - position), position);
      if (bytesRead === 0) break;
      let from = 0;
      for (let newline = chunk.indexOf(10, from); newline !== -1 && newline < bytesRead; newline = chunk.indexOf(10, from)) {
        line.add(chunk.subarray(from, newline));
        const { text, truncated } = line.take();
        if (text.trim() !== '') onLine(text, truncated);
        from = newline + 1;
        lineStart = position + from;
      }
      line.add(chunk.subarray(from, bytesRead));
      position += bytesRead;
    }
    return { offset: lineStart, restarted };
  } finally {
    await handle.close();
  }
}

/** The line being read: whole up to the limit, beyond it its head and a rolling tail. */
class LineBuffer {
  private parts: Buffer[] = [];
  private bytes = 0;
  private head: Buffer | undefined;
  private tail = Buffer.alloc(0);

  constructor(private readonly maxBytes: number) {}

  add(part: Buffer): void {
    if (part.length === 0) return;
    if (this.head === undefined && this.bytes + part.length <= this.maxBytes) {
      // Copied: the chunk buffer is reused by the next read.
      this.parts.push(Buffer.from(part));
      this.bytes += part.length;
      return;
    }
    if (this.head === undefined) {
      const whole = Buffer.concat([...this.parts, part]);
      this.head = Buffer.from(whole.subarray(0, HEAD_BYTES));
      this.tail = Buffer.from(whole.subarray(Math.max(HEAD_BYTES, whole.length - TAIL_BYTES)));
      this.parts = [];
      this.bytes = 0;
      return;
    }
    const joined = Buffer.concat([this.tail, part]);
    this.tail = Buffer.from(joined.subarray(Math.max(0, joined.length - TAIL_BYTES)));
  }

  take(): { text: string; truncated: boolean } {
    const truncated = this.head !== undefined;
    const text = truncated ? `${this.head!.toString('utf8')}${this.tail.toString('utf8')}` : Buffer.concat(this.parts, this.bytes).toString('utf8');
    this.parts = [];
    this.bytes = 0;
    this.head = undefined;
    this.tail = Buffer.alloc(0);
    return { text, truncated };
  }
}
