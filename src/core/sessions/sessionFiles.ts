/**
 * The files the engine keeps under its state folder: the generated Claude settings (one per set
 * of hook events a version accepts), and for each session its prompt when it does not go
 * through tmux, its exit status, its status line's last input and its last output snapshot.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { MCP_SERVER_NAME, type McpServerCommand } from '../agent/instarMcpServer';
import { shellQuote } from '../util/shellQuote';
import { writeFileAtomic } from '../util/atomicWrite';
import type { EngineEventName } from '../status/hookEvents';
import { sessionIdOfEventFile } from '../status/hookEvents';

/** Events older than this are removed by whichever engine starts (a week). */
export const EVENT_MAX_AGE_MS = 7 * 24 * 3600_000;

export class SessionFiles {
  /** Files written once per engine (settings, the instar command), by key. */
  private readonly written = new Map<string, Promise<string>>();

  constructor(readonly stateDir: string) {}

  get eventsDir(): string {
    return path.join(this.stateDir, 'events');
  }

  /** Where the events of sessions ended a while ago go, a folder per session, out of the watched folder. */
  get eventArchiveDir(): string {
    return path.join(this.stateDir, 'events-archive');
  }

  dir(id: string): string {
    return path.join(this.stateDir, 'sessions', id);
  }

  /** A Claude Code settings file holding `settings`: written once per engine, then reused by every spawn. */
  settingsFile(settings: unknown): Promise<string> {
    const text = JSON.stringify(settings, null, 2);
    const key = createHash('sha256').update(text).digest('hex').slice(0, 12);
    const target = path.join(this.stateDir, `claude-settings-${key}.json`);
    return this.writeOnce(key, () => writeFileAtomic(target, text).then(() => target));
  }

  /**
   * A folder holding the `instar` command (a script that runs `script` with `runtime`, the host's
   * Node or Electron as Node), for the agents' PATH: written once per engine and value.
   */
  cliDir(cli: { runtime: string; script: string }): Promise<string> {
    const text = `#!/bin/sh\n# The instar command of Instar Sessions (instar --help), written by the extension.\nELECTRON_RUN_AS_NODE=1 exec ${shellQuote(cli.runtime)} ${shellQuote(cli.script)} "$@"\n`;
    const target = path.join(this.stateDir, 'bin');
    return this.writeOnce(`cli:${text}`, () => writeFileAtomic(path.join(target, 'instar'), text, { mode: 0o755, makeDir: true }).then(() => target));
  }

  /**
   * The MCP configuration every Claude Code session is given (`--mcp-config`, beside the user's own
   * servers, never `--strict-mcp-config`): Instar's server.
   */
  mcpConfigFile(server: McpServerCommand): Promise<string> {
    const text = JSON.stringify({ mcpServers: { [MCP_SERVER_NAME]: { type: 'stdio', ...server } } }, null, 2);
    const target = path.join(this.stateDir, 'claude-mcp.json');
    return this.writeOnce(`mcp:${text}`, () => writeFileAtomic(target, text).then(() => target));
  }

  /** The write of `key`, made once and shared by every caller; written again after a failure. */
  private writeOnce(key: string, write: () => Promise<string>): Promise<string> {
    let written = this.written.get(key);
    if (!written) {
      written = write();
      written.catch(() => this.written.delete(key));
      this.written.set(key, written);
    }
    return written;
  }

  /** Where each agent's status line keeps what Claude Code last told it (cost, context), a file per session. */
  get usageDir(): string {
    return path.join(this.stateDir, 'usage');
  }

  usageFile(id: string): string {
    return path.join(this.usageDir, `${id}.json`);
  }

  /** Where the launch wrapper writes each agent's exit status, a file per session. */
  get exitStatusDir(): string {
    return path.join(this.stateDir, 'exit');
  }

  /** Where a prompt that does not go through tmux waits: read by the launch wrapper, or pasted. */
  promptFile(id: string): string {
    return path.join(this.dir(id), 'prompt.txt');
  }

  statusFile(id: string): string {
    return path.join(this.exitStatusDir, id);
  }

  /** The exit status the launch wrapper wrote, if the agent has exited. */
  async readExitStatus(id: string): Promise<number | undefined> {
    try {
      const text = (await fs.readFile(this.statusFile(id), 'utf8')).trim();
      return /^\d+$/.test(text) ? Number(text) : undefined;
    } catch {
      return undefined;
    }
  }

  private snapshotFile(id: string): string {
    return path.join(this.dir(id), 'output.ansi');
  }

  /** Makes the folders all sessions share, once, when the engine starts. */
  async prepare(): Promise<void> {
    await fs.mkdir(this.exitStatusDir, { recursive: true, mode: 0o700 });
    await fs.mkdir(this.eventsDir, { recursive: true, mode: 0o700 });
    await fs.mkdir(this.usageDir, { recursive: true, mode: 0o700 });
  }

  /** Forgets the exit status of a run, before the session runs again. */
  async clearExitStatus(id: string): Promise<void> {
    await fs.rm(this.statusFile(id), { force: true });
  }

  async writePrompt(id: string, prompt: string): Promise<void> {
    await fs.mkdir(this.dir(id), { recursive: true, mode: 0o700 });
    await fs.writeFile(this.promptFile(id), prompt, { mode: 0o600 });
  }

  readPrompt(id: string): Promise<string> {
    return fs.readFile(this.promptFile(id), 'utf8');
  }

  async writeSnapshot(id: string, text: string): Promise<void> {
    await writeFileAtomic(this.snapshotFile(id), text, { makeDir: true });
  }

  async readSnapshot(id: string): Promise<string | undefined> {
    try {
      return await fs.readFile(this.snapshotFile(id), 'utf8');
    } catch {
      return undefined;
    }
  }

  /**
   * Adds an event of the engine's own to the events folder, where every engine of the workspace
   * reads it as it reads the hooks' (a file of its own, renamed into place whole).
   */
  async writeEngineEvent(id: string, name: EngineEventName, fields: Record<string, unknown> = {}, file = this.eventFileName(id)): Promise<string> {
    await writeFileAtomic(path.join(this.eventsDir, file), JSON.stringify({ ...fields, hook_event_name: name }));
    return file;
  }

  /** A new event file's name for a session (the hooks name theirs alike). */
  eventFileName(id: string): string {
    return `${id}.${randomBytes(6).toString('hex')}.json`;
  }

  /** Removes a session's events; with `keep`, all but that one (the removal, for engines that come later). */
  async removeEvents(id: string, keep?: (file: string) => boolean): Promise<void> {
    const names = await fs.readdir(this.eventsDir).catch(() => [] as string[]);
    await Promise.all(
      names.filter((name) => sessionIdOfEventFile(name) === id && !keep?.(name)).map((name) => fs.rm(path.join(this.eventsDir, name), { force: true })),
    );
    await fs.rm(path.join(this.eventArchiveDir, id), { recursive: true, force: true });
  }

  /**
   * Moves an ended session's events out of the watched folder (every engine has read them by then;
   * one that starts later finds them in the archive). Several engines may do it at once.
   */
  async archiveEvents(id: string): Promise<number> {
    return this.archiveEventsOfMany(new Set([id]));
  }

  /** The same for several sessions, the folder listed once (a registry may hold thousands of ended sessions). */
  async archiveEventsOfMany(ids: ReadonlySet<string>): Promise<number> {
    const byId = new Map<string, string[]>();
    for (const name of await fs.readdir(this.eventsDir).catch(() => [] as string[])) {
      const id = sessionIdOfEventFile(name);
      if (id === undefined || !ids.has(id)) continue;
      const names = byId.get(id) ?? [];
      names.push(name);
      byId.set(id, names);
    }
    let moved = 0;
    for (const [id, names] of byId) {
      const dir = path.join(this.eventArchiveDir, id);
      await fs.mkdir(dir, { recursive: true, mode: 0o700 });
      for (const name of names) {
        try {
          await fs.rename(path.join(this.eventsDir, name), path.join(dir, name));
          moved += 1;
        } catch {
          // Moved by another engine meanwhile.
        }
      }
    }
    return moved;
  }

  /** Removes events (and archived sessions' events) older than `maxAgeMs`: no engine can still need them. Returns how many. */
  async pruneEvents(now: number, maxAgeMs = EVENT_MAX_AGE_MS): Promise<number> {
    const old = async (file: string) => now - (await fs.stat(file)).mtimeMs > maxAgeMs;
    let removed = 0;
    for (const name of await fs.readdir(this.eventsDir).catch(() => [] as string[])) {
      if (!sessionIdOfEventFile(name)) continue;
      const file = path.join(this.eventsDir, name);
      try {
        if (await old(file)) {
          await fs.rm(file, { force: true });
          removed += 1;
        }
      } catch {
        // Gone meanwhile.
      }
    }
    // An archived session's folder was last changed when its events were moved there.
    for (const id of await fs.readdir(this.eventArchiveDir).catch(() => [] as string[])) {
      const dir = path.join(this.eventArchiveDir, id);
      try {
        if (await old(dir)) {
          removed += (await fs.readdir(dir)).length;
          await fs.rm(dir, { recursive: true, force: true });
        }
      } catch {
        // Gone meanwhile.
      }
    }
    return removed;
  }

  async remove(id: string): Promise<void> {
    await fs.rm(this.dir(id), { recursive: true, force: true });
    await fs.rm(this.statusFile(id), { force: true });
    await fs.rm(this.usageFile(id), { force: true });
  }
}
