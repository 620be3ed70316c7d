/**
 * The sessions the engine knows: records kept in host storage (workspaceState in VS Code), and
 * the change event every view and waiter listens to.
 *
 * Every change is applied to the in-memory map synchronously, so concurrent callers never
 * overwrite each other's records; a record is changed only through `update`, matched by name
 * and id, so a stale update cannot resurrect a removed or replaced session, and each change is
 * made to the latest record and raises its `rev`. Writes to storage
 * are serialized and coalesced, and each caller can await the write that holds its change.
 */
import { agentKindFrom, SessionRecord } from '../model/sessionRecord';
import { InstarError } from '../util/errors';
import { Emitter } from '../util/emitter';
import type { Logger, Storage } from '../util/host';

export const REGISTRY_KEY = 'instar.sessions.v1';

interface StoredRegistry {
  version: 1;
  sessions: SessionRecord[];
}

export interface SessionsChange {
  changed: SessionRecord[];
  removed: string[];
}

export class SessionStore {
  private readonly records = new Map<string, SessionRecord>();
  /** Session id → name, checked against the record on each use (a name may hold another session since). */
  private readonly names = new Map<string, string>();
  private readonly changes = new Emitter<SessionsChange>();
  /** Fires after records change, with the changed records and the names removed. */
  readonly onDidChange = this.changes.event;
  private saving: Promise<void> = Promise.resolve();
  private saveQueued = false;

  constructor(
    private readonly storage: Storage,
    private readonly logger: Logger,
    private readonly key = REGISTRY_KEY,
  ) {
    const stored = storage.get<StoredRegistry>(key);
    for (const record of stored?.sessions ?? []) {
      if (record && typeof record.name === 'string' && typeof record.id === 'string') {
        this.records.set(record.name, { ...record, agentKind: agentKindFrom(record.agentKind) });
        this.names.set(record.id, record.name);
      }
    }
  }

  /** Every record, in no particular order. */
  all(): SessionRecord[] {
    return [...this.records.values()];
  }

  /** Every record, oldest first. */
  list(): SessionRecord[] {
    return this.all().sort((a, b) => a.createdAt - b.createdAt || a.name.localeCompare(b.name));
  }

  get(name: string): SessionRecord | undefined {
    return this.records.get(name);
  }

  /** The record of a session id (a lookup per hook event: not a walk through every record). */
  byId(id: string): SessionRecord | undefined {
    const named = this.records.get(this.names.get(id) ?? '');
    if (named?.id === id) return named;
    for (const record of this.records.values()) {
      if (record.id !== id) continue;
      this.names.set(id, record.name);
      return record;
    }
    this.names.delete(id);
    return undefined;
  }

  /** The record of this name; throws a not-found error naming the known sessions. */
  require(name: string): SessionRecord {
    const record = typeof name === 'string' ? this.records.get(name) : undefined;
    if (record) return record;
    const known = this.list().map((r) => r.name);
    throw new InstarError(
      'not-found',
      `There is no session named ${JSON.stringify(name)}.${known.length ? ` Known sessions: ${known.slice(0, 20).join(', ')}${known.length > 20 ? '…' : ''}.` : ' No sessions exist yet.'}`,
    );
  }

  /** Adds a record unless the name is taken; returns the record that holds the name. */
  add(record: SessionRecord): { added: boolean; holder: SessionRecord } {
    const holder = this.records.get(record.name);
    if (holder) return { added: false, holder };
    const added = { ...record, rev: 1 };
    this.records.set(record.name, added);
    this.names.set(record.id, record.name);
    return { added: true, holder: added };
  }

  /**
   * Changes the record of `name` if it is still the session `id`: `change` gets the current
   * record and returns the next one, or undefined to leave it. Returns the new record, if any.
   * Nothing is fired or saved until `commit`.
   */
  update(name: string, id: string, change: (current: SessionRecord) => SessionRecord | undefined): SessionRecord | undefined {
    const current = this.records.get(name);
    if (!current || current.id !== id) return undefined;
    const changed = change(current);
    if (!changed || changed === current) return undefined;
    // Applied to the latest record, always: a version that only grows tells every reader which is newer.
    const next = { ...changed, rev: (current.rev ?? 0) + 1 };
    this.records.set(name, next);
    if (next.status !== current.status) {
      this.logger.debug(`${name}: ${current.status} → ${next.status} (${next.statusSignal}${next.statusDetail ? `: ${next.statusDetail}` : ''})`);
    }
    return next;
  }

  /** Announces changed records (their latest versions) and saves. */
  async commit(records: readonly SessionRecord[]): Promise<void> {
    const latest = records.map((record) => this.records.get(record.name)).filter((r): r is SessionRecord => r !== undefined);
    if (latest.length > 0) this.changes.fire({ changed: latest, removed: [] });
    await this.save();
  }

  /** Drops a record without announcing it (a spawn that failed before anyone saw it). */
  discard(name: string, id: string): boolean {
    const current = this.records.get(name);
    if (!current || current.id !== id) return false;
    this.records.delete(name);
    return true;
  }

  /** Forgets a session, saves and announces it; false when `name` is no longer the session `id`. */
  async remove(name: string, id: string): Promise<boolean> {
    if (!this.discard(name, id)) return false;
    // Announced first, as a change is: readers of the store (the API) already see it gone.
    this.changes.fire({ changed: [], removed: [name] });
    await this.save();
    return true;
  }

  /**
   * Resolves with what `probe` returns once it returns something (checked now and at each change
   * of the records), or with undefined after `timeoutMs` or once `signal` aborts. No timer or
   * listener outlives it.
   */
  waitUntil<T>(probe: () => T | undefined, timeoutMs: number, signal?: AbortSignal): Promise<T | undefined> {
    const now = probe();
    if (now !== undefined) return Promise.resolve(now);
    if (signal?.aborted) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const finish = (value: T | undefined) => {
        clearTimeout(timer);
        subscription.dispose();
        signal?.removeEventListener('abort', aborted);
        resolve(value);
      };
      const aborted = () => finish(undefined);
      const timer = setTimeout(aborted, timeoutMs);
      const subscription = this.onDidChange(() => {
        const value = probe();
        if (value !== undefined) finish(value);
      });
      signal?.addEventListener('abort', aborted, { once: true });
    });
  }

  /**
   * Resolves with the record of `name` once `predicate` holds for it (checked now and at each
   * change), or with undefined after `timeoutMs` or once `signal` aborts.
   */
  async waitFor(name: string, predicate: (record: SessionRecord | undefined) => boolean, timeoutMs: number, signal?: AbortSignal): Promise<SessionRecord | undefined> {
    const found = await this.waitUntil(() => {
      const record = this.records.get(name);
      return predicate(record) ? { record } : undefined;
    }, timeoutMs, signal);
    return found?.record;
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

  dispose(): void {
    this.changes.dispose();
  }
}
