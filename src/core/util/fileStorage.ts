/**
 * A Storage (VS Code's Memento shape) in a JSON file: read when opened, written whole and
 * atomically after each update, one write at a time (the last value always lands). The keeper's
 * record (a window keeps its own in workspace state); shared, a file several hosts write (the
 * jobs' state), read again whenever another host changed it.
 */
import { readFileSync, statSync } from 'node:fs';
import { writeFileAtomic } from './atomicWrite';
import type { Storage } from './host';

export class FileStorage implements Storage {
  private values: Record<string, unknown>;
  private writing: Promise<void> = Promise.resolve();
  private dirty = false;
  /** The file's modification time as last read or written (shared: read again when it differs). */
  private readAt: number;

  private constructor(
    readonly file: string,
    private readonly shared: boolean,
  ) {
    this.values = readValues(file);
    this.readAt = mtimeOf(file);
  }

  /**
   * Opens the file, or an empty record where there is none yet; a file that is not a JSON object is
   * an error that names it. Shared: what other hosts write is read on the next get.
   */
  static open(file: string, options: { shared?: boolean } = {}): FileStorage {
    return new FileStorage(file, options.shared ?? false);
  }

  get<T>(key: string): T | undefined {
    if (this.shared && !this.dirty) this.readAgainIfChanged();
    return this.values[key] as T | undefined;
  }

  keys(): readonly string[] {
    return Object.keys(this.values);
  }

  update(key: string, value: unknown): Promise<void> {
    // What another host wrote, first: this change goes on top of it.
    if (this.shared && !this.dirty) this.readAgainIfChanged();
    if (value === undefined) delete this.values[key];
    else this.values[key] = value;
    this.dirty = true;
    // Chained: one write at a time; a write finds the latest values, so later ones may have nothing to do.
    // A failed write is the caller's to hear; the next update writes everything again.
    this.writing = this.writing.catch(() => undefined).then(() => this.flush());
    return this.writing;
  }

  private readAgainIfChanged(): void {
    const at = mtimeOf(this.file);
    if (at === this.readAt) return;
    try {
      this.values = readValues(this.file);
    } catch {
      // Broken by hand: what was read last stands.
    }
    this.readAt = at;
  }

  private async flush(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    try {
      await writeFileAtomic(this.file, `${JSON.stringify(this.values)}\n`, { makeDir: true });
      this.readAt = mtimeOf(this.file);
    } catch (error) {
      this.dirty = true;
      throw error;
    }
  }
}

function mtimeOf(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

/** The file's values, or none where there is no file; a file that is not a JSON object is an error that names it. */
function readValues(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not JSON (${(error as Error).message}); move it away to start with an empty record`, { cause: error });
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`${file} does not hold a JSON object; move it away to start with an empty record`);
  return parsed as Record<string, unknown>;
}
