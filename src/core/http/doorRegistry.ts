/**
 * Which workspace a token belongs to, for the front door that serves every workspace on one
 * port: a folder of the machine's state (`doors/`, only the user's) with one small file per API
 * host, naming the SHA-256 of its workspace's token and the port its own API listens on. A host
 * writes its file when its API starts and again when its token changes, and removes it when it
 * stops; a host that died leaves a file whose process is gone, which readers skip and remove.
 *
 * One file per host (`<workspace key>.<pid>.json`), not per workspace: the host that takes a
 * workspace over writes its own while the one that leaves removes its own, never each other's.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { promises as fs, readFileSync, watch } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../util/atomicWrite';
import { coalesce } from '../util/coalesce';
import { Emitter } from '../util/emitter';
import type { Disposable } from '../util/disposables';
import { tokenDigest } from './apiGuards';

export interface DoorEntry {
  workspaceKey: string;
  /** SHA-256 of the workspace's token, hex. */
  tokenHash: string;
  /** Where the workspace's own API listens, on 127.0.0.1. */
  port: number;
  /** The host that serves it. */
  pid: number;
  /** When that process started (Linux: /proc/<pid>/stat's start time): a pid used again by another process is not the host. */
  pidStart?: string;
  folder: string;
  updatedAt: string;
}

/** The registry's folder under the machine's state folder (machineStateRoot()). */
export function doorsFolder(stateRoot: string): string {
  return path.join(stateRoot, 'doors');
}

/** A short name of a registry folder: hosts elect one door per registry, and its door says which it serves. */
export function registryId(dir: string): string {
  return createHash('sha256').update(path.resolve(dir)).digest('hex').slice(0, 12);
}

/** A token's SHA-256, hex, as entries keep it. */
export function tokenHash(token: string): string {
  return tokenDigest(token).toString('hex');
}

function entryFile(dir: string, workspaceKey: string, pid: number): string {
  return path.join(dir, `${workspaceKey.replace(/[^A-Za-z0-9_-]/g, '_')}.${pid}.json`);
}

/** Whether a process of this user runs with that pid (another user's counts as gone: no host of ours). */
export function isOwnProcess(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** When a process started, in the kernel's clock ticks since boot (Linux); undefined where that cannot be read. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (in parentheses, which may hold anything): the start time is the 20th of them.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** A pid's start time as last read, and when: read again at most once a second (the door asks at every call). */
const startsRead = new Map<number, { start: string | undefined; at: number }>();

/** Whether an entry's host still runs: its pid alive, and the same process (not another one given that pid since). */
export function isHostAlive(entry: Pick<DoorEntry, 'pid' | 'pidStart'>): boolean {
  if (!isOwnProcess(entry.pid)) {
    startsRead.delete(entry.pid);
    return false;
  }
  if (entry.pidStart === undefined) return true;
  const now = Date.now();
  let read = startsRead.get(entry.pid);
  if (!read || now - read.at > 1000) {
    read = { start: processStart(entry.pid), at: now };
    startsRead.set(entry.pid, read);
  }
  return read.start === undefined || read.start === entry.pidStart;
}

/** The folder, made only the user's (it names ports that take the user's tokens). */
async function ensureFolder(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  await fs.chmod(dir, 0o700).catch(() => undefined);
}

/** This host's entry for one workspace: written at once, rewritten when its token or port changes, removed on dispose. */
export class DoorRegistration {
  private queue: Promise<void> = Promise.resolve();
  private removed = false;
  private readonly file: string;

  private constructor(
    private readonly dir: string,
    private entry: DoorEntry,
  ) {
    this.file = entryFile(dir, entry.workspaceKey, entry.pid);
  }

  static async create(dir: string, entry: { workspaceKey: string; token: string; port: number; folder: string }): Promise<DoorRegistration> {
    await ensureFolder(dir);
    const registration = new DoorRegistration(dir, { workspaceKey: entry.workspaceKey, tokenHash: tokenHash(entry.token), port: entry.port, pid: process.pid, pidStart: processStart(process.pid), folder: entry.folder, updatedAt: '' });
    await registration.write();
    return registration;
  }

  /** Writes the entry again with a new token (the old one stops naming the workspace) or port. */
  update(change: { token?: string; port?: number }): Promise<void> {
    this.entry = { ...this.entry, ...(change.token === undefined ? {} : { tokenHash: tokenHash(change.token) }), ...(change.port === undefined ? {} : { port: change.port }) };
    return this.write();
  }

  private write(): Promise<void> {
    this.queue = this.queue.then(async () => {
      if (this.removed) return;
      this.entry = { ...this.entry, updatedAt: new Date().toISOString() };
      // The folder again: a reader may have been the last to see it, or it was removed by hand.
      await ensureFolder(this.dir);
      await writeFileAtomic(this.file, `${JSON.stringify(this.entry, null, 2)}\n`);
    });
    return this.queue;
  }

  /** Removes the entry (after any write under way). */
  dispose(): Promise<void> {
    this.queue = this.queue.then(async () => {
      this.removed = true;
      await fs.rm(this.file, { force: true });
    });
    return this.queue.catch(() => undefined);
  }

  get path(): string {
    return this.file;
  }

  get folder(): string {
    return this.dir;
  }
}

function parseEntry(text: string): DoorEntry | undefined {
  try {
    const value = JSON.parse(text) as Partial<DoorEntry>;
    if (typeof value.workspaceKey !== 'string' || typeof value.tokenHash !== 'string' || !/^[0-9a-f]{64}$/.test(value.tokenHash)) return undefined;
    if (!Number.isInteger(value.port) || value.port! < 1 || value.port! > 65_535 || !Number.isInteger(value.pid) || value.pid! < 1) return undefined;
    return { workspaceKey: value.workspaceKey, tokenHash: value.tokenHash, port: value.port!, pid: value.pid!, pidStart: typeof value.pidStart === 'string' ? value.pidStart : undefined, folder: typeof value.folder === 'string' ? value.folder : '', updatedAt: typeof value.updatedAt === 'string' ? value.updatedAt : '' };
  } catch {
    return undefined;
  }
}

/**
 * The entries of live hosts, read once. Files of hosts that are gone are removed; unreadable
 * ones (a write under way is never seen: writes are atomic) are skipped.
 */
export async function readDoorEntries(dir: string): Promise<{ file: string; entry: DoorEntry }[]> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const read = await Promise.all(
    names
      .filter((name) => name.endsWith('.json'))
      .map(async (name) => {
        const file = path.join(dir, name);
        const entry = parseEntry(await fs.readFile(file, 'utf8').catch(() => ''));
        if (entry && !isHostAlive(entry)) {
          await fs.rm(file, { force: true }).catch(() => undefined);
          return undefined;
        }
        return entry ? { file, entry } : undefined;
      }),
  );
  return read.filter((found): found is { file: string; entry: DoorEntry } => found !== undefined);
}

interface Known {
  entry: DoorEntry;
  digest: Buffer;
}

export interface DoorRegistryOptions {
  /** How long a token whose entry went away is remembered as such (its host may be handing over), in ms. */
  goneMemoryMs?: number;
}

/**
 * The registry as the door reads it: the live entries, cached, read again when the folder
 * changes (a watch) and when a token matches none of them but the folder changed since.
 */
export class DoorRegistry implements Disposable {
  private known: Known[] = [];
  private byFile = new Map<string, Known>();
  /** Digests (hex) whose entry went away, with when. */
  private readonly gone = new Map<string, number>();
  private loadedStamp = '';
  private watcher: ReturnType<typeof watch> | undefined;
  private disposed = false;
  private readonly emitter = new Emitter<void>();
  /** Fires after each read that changed what it knows. */
  readonly onDidChange = this.emitter.event;

  constructor(
    readonly dir: string,
    private readonly options: DoorRegistryOptions = {},
  ) {}

  /** Makes the folder, watches it and reads it once. */
  async start(): Promise<void> {
    await ensureFolder(this.dir);
    try {
      this.watcher = watch(this.dir, { persistent: false }, (_kind, name) => {
        if (name === null || name.endsWith('.json')) void this.refresh();
      });
      this.watcher.on('error', () => undefined);
    } catch {
      // No watch: reads on a miss still find new entries.
    }
    await this.refresh();
  }

  /** Reads the folder again (calls during a read make one more after it). */
  readonly refresh: () => Promise<void> = coalesce(() => this.load());

  private async load(): Promise<void> {
    if (this.disposed) return;
    const stamp = await this.stamp();
    const read = await readDoorEntries(this.dir);
    const next = new Map<string, Known>();
    for (const { file, entry } of read) {
      const previous = this.byFile.get(file);
      next.set(file, previous && previous.entry.tokenHash === entry.tokenHash ? { entry, digest: previous.digest } : { entry, digest: Buffer.from(entry.tokenHash, 'hex') });
    }
    const now = Date.now();
    // A file that went (its host stopped or died) leaves its token remembered for a while; a
    // token replaced in a file that stays (rotated) does not: the old one is refused at once.
    for (const [file, { entry }] of this.byFile) if (!next.has(file)) this.gone.set(entry.tokenHash, now);
    for (const { entry } of next.values()) this.gone.delete(entry.tokenHash);
    const memory = this.options.goneMemoryMs ?? 5000;
    for (const [hash, at] of this.gone) if (now - at > memory) this.gone.delete(hash);
    const changed = next.size !== this.byFile.size || [...next].some(([file, known]) => this.byFile.get(file)?.entry.updatedAt !== known.entry.updatedAt);
    this.byFile = next;
    this.known = [...next.values()];
    this.loadedStamp = stamp;
    if (changed) this.emitter.fire();
  }

  /** What changes when a file is renamed into the folder or removed from it. */
  private async stamp(): Promise<string> {
    const stat = await fs.stat(this.dir).catch(() => undefined);
    return stat ? `${stat.mtimeMs}:${stat.ctimeMs}:${stat.ino}` : '';
  }

  /** The live entries, as last read. */
  entries(): DoorEntry[] {
    return this.known.map(({ entry }) => entry);
  }

  /**
   * The live entries whose token has this digest (tokenDigest()), newest first; read again first
   * when none matches and the folder changed since the last read (a host that just registered,
   * a token just rotated).
   */
  async lookup(digest: Buffer): Promise<DoorEntry[]> {
    let found = this.match(digest);
    if (found.length === 0 && (await this.stamp()) !== this.loadedStamp) {
      await this.refresh();
      found = this.match(digest);
    }
    const live = found.filter((entry) => isHostAlive(entry));
    if (live.length < found.length) {
      // A host that died since the last read: gone as if its file went (another host of its
      // workspace may be taking over); the file goes at the next read.
      for (const entry of found) if (!live.includes(entry)) this.gone.set(entry.tokenHash, Date.now());
      void this.refresh();
    }
    return live;
  }

  private match(digest: Buffer): DoorEntry[] {
    // Every entry is compared, each in constant time: how long a lookup takes says nothing of which matched.
    const found = this.known.filter((known) => known.digest.length === digest.length && timingSafeEqual(known.digest, digest)).map((known) => known.entry);
    return found.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
  }

  /** Whether the entry of a token with this digest went away lately (its workspace may be handing its API over). */
  wentAway(digest: Buffer): boolean {
    const at = this.gone.get(digest.toString('hex'));
    return at !== undefined && Date.now() - at <= (this.options.goneMemoryMs ?? 5000);
  }

  /** Resolves at the next change, or after `ms`. */
  nextChange(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const subscription = this.onDidChange(done);
      function done(): void {
        clearTimeout(timer);
        subscription.dispose();
        resolve();
      }
    });
  }

  dispose(): void {
    this.disposed = true;
    this.watcher?.close();
    this.emitter.dispose();
  }
}
