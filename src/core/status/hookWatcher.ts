/**
 * Watches the events folder the hooks write to, and hands over each new event once, in the
 * order the hooks wrote them. The file system is the queue: events written while no engine
 * ran are read at start. Watching (inotify, FSEvents) makes an event seen within milliseconds.
 */
import { promises as fs, watch, FSWatcher } from 'node:fs';
import * as path from 'node:path';
import type { Logger } from '../util/host';
import { coalesce } from '../util/coalesce';
import { Emitter } from '../util/emitter';
import { HookEvent, parseHookPayload, sessionIdOfEventFile } from './hookEvents';

export class HookWatcher {
  private readonly emitter = new Emitter<HookEvent[]>();
  /** Batches of events, oldest first. */
  readonly onEvents = this.emitter.event;
  private watcher: FSWatcher | undefined;
  private disposed = false;

  constructor(
    readonly dir: string,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    this.watch();
    await this.drain();
  }

  private watch(): void {
    if (this.disposed) return;
    try {
      this.watcher = watch(this.dir, { persistent: false }, () => void this.drain());
      this.watcher.on('error', (error) => {
        this.logger.warn(`Watching ${this.dir} failed: ${String(error)}; watching again.`);
        this.watcher?.close();
        setTimeout(() => void fs.mkdir(this.dir, { recursive: true }).then(() => this.watch(), () => this.watch()), 500).unref();
      });
    } catch (error) {
      this.logger.error(`Cannot watch ${this.dir}: ${String(error)}`);
    }
  }

  /** Reads every waiting event. Calls while a drain runs make it run once more. */
  readonly drain: () => Promise<void> = coalesce(() => this.drainOnce(), () => this.disposed);

  private async drainOnce(): Promise<void> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
      return;
    }
    const files: { file: string; sessionId: string; mtimeNs: bigint }[] = [];
    await Promise.all(
      names.map(async (name) => {
        const sessionId = sessionIdOfEventFile(name);
        if (!sessionId) return;
        const file = path.join(this.dir, name);
        try {
          const stat = await fs.stat(file, { bigint: true });
          files.push({ file, sessionId, mtimeNs: stat.mtimeNs });
        } catch {
          // Taken by a concurrent drain.
        }
      }),
    );
    if (files.length === 0) return;
    files.sort((a, b) => (a.mtimeNs < b.mtimeNs ? -1 : a.mtimeNs > b.mtimeNs ? 1 : a.file.localeCompare(b.file)));
    const events: HookEvent[] = [];
    for (const { file, sessionId, mtimeNs } of files) {
      try {
        const text = await fs.readFile(file, 'utf8');
        await fs.unlink(file);
        const event = parseHookPayload(sessionId, text, Number(mtimeNs / 1_000_000n));
        if (event) events.push(event);
        else this.logger.warn(`Ignored an event file that is not a hook payload: ${path.basename(file)}`);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.logger.warn(`Could not read ${file}: ${String(error)}`);
      }
    }
    if (events.length > 0 && !this.disposed) this.emitter.fire(events);
  }

  dispose(): void {
    this.disposed = true;
    this.watcher?.close();
    this.emitter.dispose();
  }
}
