/**
 * The files the engine keeps for each session under its state folder: the generated Claude
 * settings, a prompt waiting to be pasted, and the last output snapshot.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../util/atomicWrite';

export class SessionFiles {
  constructor(readonly stateDir: string) {}

  get eventsDir(): string {
    return path.join(this.stateDir, 'events');
  }

  dir(id: string): string {
    return path.join(this.stateDir, 'sessions', id);
  }

  /** The Claude Code settings (hooks) every session is started with. */
  get settingsFile(): string {
    return path.join(this.stateDir, 'claude-settings.json');
  }

  private get exitDir(): string {
    return path.join(this.stateDir, 'exit');
  }

  private promptFile(id: string): string {
    return path.join(this.dir(id), 'prompt.txt');
  }

  statusFile(id: string): string {
    return path.join(this.exitDir, id);
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

  /** Writes what all sessions share, once, when the engine starts. */
  async prepare(settings: unknown): Promise<void> {
    await fs.mkdir(this.exitDir, { recursive: true, mode: 0o700 });
    await fs.mkdir(this.eventsDir, { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.settingsFile, JSON.stringify(settings, null, 2));
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

  async remove(id: string): Promise<void> {
    await fs.rm(this.dir(id), { recursive: true, force: true });
    await fs.rm(this.statusFile(id), { force: true });
  }
}
