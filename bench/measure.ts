/** Small measuring tools the benchmark's modules share. */
import { randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync, watch } from 'node:fs';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Script } from 'node:vm';
import type { SessionStatus } from '../src/core/model/sessionRecord';
import type { SessionEngine } from '../src/core/sessions/sessionEngine';
import { listPanes } from '../src/core/tmux/commands';
import { writeHookEvent } from '../test/support/quietAgent';

/** The value below which p % of `values` lie (the lower middle for p 50 of an even count); NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export const median = (values: readonly number[]): number => percentile(values, 50);

/** The heap in use, after a forced GC where --expose-gc is given (bytes). */
export function heapBytes(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed;
}

/**
 * What loading the bundles costs a start: dist/extension.js (the activation's file) and
 * dist/main.js (the rest, loaded right after) each compiled once, in ms, and their size in KiB;
 * NaN when they are not built.
 */
export async function compileBundles(repo: string): Promise<{ ms: number; kib: number }> {
  let ms = 0;
  let kib = 0;
  for (const file of ['extension.js', 'main.js']) {
    const bundle = join(repo, 'dist', file);
    try {
      const code = await readFile(bundle, 'utf8');
      kib += Buffer.byteLength(code) / 1024;
      ms += await time(async () => void new Script(`(function (exports, require, module) {${code}\n})`, { filename: bundle }));
    } catch {
      return { ms: Number.NaN, kib };
    }
  }
  return { ms, kib };
}

/**
 * A stand-in agent named "claude" (so the engine gives it hooks, as Claude Code) that only
 * sleeps: rows that measure the engine and tmux, not the agent. Its hook events are written by
 * the bench. Returns its path.
 */
export async function writeSleepingClaude(bin: string): Promise<string> {
  await mkdir(bin, { recursive: true });
  const agent = join(bin, 'claude');
  await writeFile(agent, '#!/bin/sh\n[ "$1" = --version ] && { echo "2.1.197 (Claude Code)"; exit 0; }\nexec sleep 100000\n');
  await chmod(agent, 0o755);
  return agent;
}

/** How long `fn` takes, in ms. */
export async function time<T>(fn: () => Promise<T>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

let clockTicks: number | undefined;

/**
 * The CPU time a process has used, in ms, from /proc/<pid>/stat (fields 14 and 15 after the
 * command in parentheses: utime and stime, in clock ticks); with `children`, also that of the
 * children it waited for (fields 16 and 17).
 */
export function processCpuMs(pid: number, children = false): number {
  clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]) + (children ? Number(fields[13]) + Number(fields[14]) : 0);
  return (ticks * 1000) / clockTicks;
}

/** A process's resident memory (VmRSS) in KiB; undefined when /proc does not say (it is gone). */
export function residentKiB(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** `runs` refreshes of the engine, each beside one bare `list-panes` of its server (in ms). */
export async function timeRefreshes(engine: SessionEngine, tmux: (...args: string[]) => Promise<unknown>, runs: number): Promise<{ ours: number[]; bare: number[] }> {
  const ours: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    bare.push(await time(() => tmux(...listPanes())));
    ours.push(await time(() => engine.refresh()));
  }
  return { ours, bare };
}

/** Writes a hook event file the way the hook command does: a hidden temporary, then a rename. */
export async function writeEvent(dir: string, sessionId: string, name: string): Promise<void> {
  await writeHookEvent(dir, sessionId, { hook_event_name: name });
}

/** The baseline of the event latency rows: a rename until a bare fs.watch on its folder sees it (in ms). */
export function bareWatchLatency(dir: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const file = `${randomUUID()}.json`;
    let start = 0;
    const watcher = watch(dir, (_kind, changed) => {
      if (changed === file && start) {
        watcher.close();
        resolve(performance.now() - start);
      }
    });
    const temporary = join(dir, `.${file}.tmp`);
    writeFile(temporary, '{}')
      .then(() => {
        start = performance.now();
        return rename(temporary, join(dir, file));
      })
      .catch((error) => {
        watcher.close();
        reject(error);
      });
  });
}

/**
 * From the rename of a hook event file until a wait for the state it brings (engine.waitFor, what
 * the API's wait route and the MCP wait tool hold) is answered, in ms.
 */
export async function waitLatency(engine: SessionEngine, dir: string, id: string, name: string, event: string, expected: SessionStatus): Promise<number> {
  const answered = engine.waitFor(name, (record) => record?.status === expected, 60_000);
  const start = await writeHookEvent(dir, id, { hook_event_name: event });
  const record = await answered;
  if (record?.status !== expected) throw new Error(`bench: a wait for ${name} to be ${expected} was not answered`);
  return performance.timeOrigin + performance.now() - start;
}

/** A hook event file written (renamed into the events folder) until the engine's change event shows `name` in `expected`, in ms. */
export function eventLatency(engine: SessionEngine, dir: string, id: string, name: string, event: string, expected: SessionStatus): Promise<number> {
  return new Promise((resolve, reject) => {
    let start = 0;
    const subscription = engine.onDidChange((change) => {
      if (change.changed.some((record) => record.name === name && record.status === expected)) {
        subscription.dispose();
        resolve(performance.now() - start);
      }
    });
    const suffix = randomUUID().replace(/-/g, '').slice(0, 8);
    const temporary = join(dir, `.${id}.${suffix}`);
    writeFile(temporary, JSON.stringify({ hook_event_name: event, session_id: id }))
      .then(() => {
        start = performance.now();
        return rename(temporary, join(dir, `${id}.${suffix}.json`));
      })
      .catch(reject);
  });
}
