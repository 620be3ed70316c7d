/**
 * Plain storages for tests and the benchmark, standing in for VS Code's workspaceState (the
 * engine only needs the small `Storage` interface).
 */
import { promises as fs } from 'node:fs';
import type { Storage } from '../../src/core/util/host';
import { writeFileAtomic } from '../../src/core/util/atomicWrite';

/** Storage kept in memory only. */
export class MemoryStorage implements Storage {
  private readonly values = new Map<string, string>();

  get<T>(key: string): T | undefined {
    const raw = this.values.get(key);
    return raw === undefined ? undefined : (JSON.parse(raw) as T);
  }

  async update(key: string, value: unknown): Promise<void> {
    if (value === undefined) this.values.delete(key);
    else this.values.set(key, JSON.stringify(value));
  }
}

/**
 * Storage in one JSON file, written atomically. `open` reads the file once; later reads are
 * served from memory, as workspaceState does.
 */
export class FileStorage implements Storage {
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly values: Record<string, unknown>,
  ) {}

  static async open<T extends FileStorage>(this: new (file: string, values: Record<string, unknown>) => T, file: string): Promise<T> {
    let values: Record<string, unknown> = {};
    try {
      values = JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, unknown>;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    return new this(file, values);
  }

  get<T>(key: string): T | undefined {
    return this.values[key] as T | undefined;
  }

  update(key: string, value: unknown): Promise<void> {
    if (value === undefined) delete this.values[key];
    else this.values[key] = value;
    const text = JSON.stringify(this.values);
    this.writing = this.writing.then(() => writeFileAtomic(this.file, text, { makeDir: true }));
    return this.writing;
  }
}
