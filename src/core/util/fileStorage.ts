/**
 * A Storage (VS Code's Memento shape) in a JSON file: read once when opened, written whole and
 * atomically after each update, one write at a time (the last value always lands). The keeper's
 * record; a window keeps its own in workspace state.
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from './atomicWrite';
import type { Storage } from './host';

export class FileStorage implements Storage {
  private values: Record<string, unknown>;
  private writing: Promise<void> = Promise.resolve();
  private dirty = false;

  private constructor(
    readonly file: string,
    values: Record<string, unknown>,
  ) {
    this.values = values;
  }

  /** Opens the file, or an empty record where there is none yet; a file that is not a JSON object is an error that names it. */
  static open(file: string): FileStorage {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new FileStorage(file, {});
      throw error;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new Error(`${file} is not JSON (${(error as Error).message}); move it away to start with an empty record`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`${file} does not hold a JSON object; move it away to start with an empty record`);
    return new FileStorage(file, parsed as Record<string, unknown>);
  }

  get<T>(key: string): T | undefined {
    return this.values[key] as T | undefined;
  }

  keys(): readonly string[] {
    return Object.keys(this.values);
  }

  update(key: string, value: unknown): Promise<void> {
    if (value === undefined) delete this.values[key];
    else this.values[key] = value;
    this.dirty = true;
    // Chained: one write at a time; a write finds the latest values, so later ones may have nothing to do.
    // A failed write is the caller's to hear; the next update writes everything again.
    this.writing = this.writing.catch(() => undefined).then(() => this.flush());
    return this.writing;
  }

  private async flush(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    try {
      await writeFileAtomic(this.file, `${JSON.stringify(this.values)}\n`, { makeDir: true });
    } catch (error) {
      this.dirty = true;
      throw error;
    }
  }
}
