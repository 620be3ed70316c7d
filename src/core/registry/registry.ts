/**
 * The sessions the engine knows, kept in host storage (workspaceState in VS Code).
 *
 * Every change is applied to the in-memory map synchronously, so concurrent callers can never
 * overwrite each other's records; writes to storage are serialized and coalesced, and each
 * caller can await the write that contains its change.
 */
import type { Storage } from '../util/host';
import type { SessionRecord } from '../model/sessionRecord';

export const REGISTRY_KEY = 'instar.sessions.v1';

interface StoredRegistry {
  version: 1;
  sessions: SessionRecord[];
}

export class Registry {
  private readonly records = new Map<string, SessionRecord>();
  private saving: Promise<void> = Promise.resolve();
  private saveQueued = false;

  constructor(
    private readonly storage: Storage,
    private readonly key = REGISTRY_KEY,
  ) {
    const stored = storage.get<StoredRegistry>(key);
    for (const record of stored?.sessions ?? []) {
      if (record && typeof record.name === 'string' && typeof record.id === 'string') this.records.set(record.name, record);
    }
  }

  all(): SessionRecord[] {
    return [...this.records.values()];
  }

  get(name: string): SessionRecord | undefined {
    return this.records.get(name);
  }

  byId(id: string): SessionRecord | undefined {
    for (const record of this.records.values()) if (record.id === id) return record;
    return undefined;
  }

  /** Adds a record unless the name is taken; returns the record that holds the name. */
  add(record: SessionRecord): { added: boolean; holder: SessionRecord } {
    const holder = this.records.get(record.name);
    if (holder) return { added: false, holder };
    this.records.set(record.name, record);
    return { added: true, holder: record };
  }

  /** Replaces a record (matched by name and id, so a stale update cannot resurrect a removed session). */
  put(record: SessionRecord): boolean {
    const current = this.records.get(record.name);
    if (!current || current.id !== record.id) return false;
    this.records.set(record.name, record);
    return true;
  }

  delete(name: string, id: string): boolean {
    const current = this.records.get(name);
    if (!current || current.id !== id) return false;
    this.records.delete(name);
    return true;
  }

  /** Persists the current records; resolves once a write containing every change so far is done. */
  save(): Promise<void> {
    if (this.saveQueued) return this.saving;
    this.saveQueued = true;
    this.saving = this.saving
      .catch(() => undefined)
      .then(async () => {
        this.saveQueued = false;
        const value: StoredRegistry = { version: 1, sessions: this.all() };
        await this.storage.update(this.key, value);
      });
    return this.saving;
  }
}
