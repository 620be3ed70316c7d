/**
 * Processes by process group, read from /proc: to end a whole group (code-server leaves file
 * watcher, pty host and agent host processes behind when only its main process ends) and to
 * measure the memory of the processes a run started.
 */
import { readdirSync, readFileSync } from 'node:fs';

interface ProcessInfo {
  pid: number;
  pgid: number;
  state: string;
}

function processes(): ProcessInfo[] {
  const found: ProcessInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // pid (comm) state ppid pgrp …: comm may hold spaces and parentheses.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      found.push({ pid: Number(name), state: fields[0], pgid: Number(fields[2]) });
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

/** The process groups of live processes whose command line (arguments joined by spaces) matches. */
export function groupsWhere(match: (cmdline: string) => boolean): number[] {
  const pgids = new Set<number>();
  for (const p of processes()) {
    if (p.state === 'Z') continue;
    try {
      if (match(readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').split('\0').join(' '))) pgids.add(p.pgid);
    } catch {
      // Gone meanwhile.
    }
  }
  return [...pgids];
}

/** Live (not zombie) processes in these groups. */
export function groupMembers(pgids: readonly number[]): number[] {
  return processes()
    .filter((p) => pgids.includes(p.pgid) && p.state !== 'Z')
    .map((p) => p.pid);
}

/** This process's own group: never signalled (it holds the caller, its shell, the CI job). */
const ownPgid = processes().find((p) => p.pid === process.pid)?.pgid;

export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  if (pgid === ownPgid || pgid <= 1) throw new Error(`refusing to signal process group ${pgid}, which is not one this run started`);
  try {
    process.kill(-pgid, signal);
  } catch {
    // No process left in the group.
  }
}

/** Resolves when no live process is left in the group, or with false after `timeoutMs`. */
export async function waitGroupGone(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (groupMembers([pgid]).length > 0) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

/** Groups to end if this process exits before they are ended (a crash, an uncaught signal). */
const liveGroups = new Set<number>();
process.on('exit', () => {
  for (const pgid of liveGroups) {
    try {
      signalGroup(pgid, 'SIGKILL');
    } catch {
      // Not ours: never happens, ownGroup refuses it.
    }
  }
});

export function ownGroup(pgid: number): void {
  if (pgid === ownPgid || pgid <= 1) throw new Error(`process group ${pgid} is not one this run started`);
  liveGroups.add(pgid);
}

/** SIGTERM to the group, then SIGKILL to what is left after `graceMs`; bounded in all. */
export async function endGroup(pgid: number, graceMs = 5000): Promise<void> {
  signalGroup(pgid, 'SIGTERM');
  if (!(await waitGroupGone(pgid, graceMs))) {
    signalGroup(pgid, 'SIGKILL');
    if (!(await waitGroupGone(pgid, 5000))) {
      throw new Error(`process group ${pgid} still has processes after SIGKILL: ${groupMembers([pgid]).join(', ')}`);
    }
  }
  liveGroups.delete(pgid);
}

/** Proportional set size (shared pages split between the processes sharing them) in bytes. */
export function groupPss(pgids: readonly number[]): number {
  let total = 0;
  for (const pid of groupMembers(pgids)) {
    try {
      const match = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
      if (match) total += Number(match[1]) * 1024;
    } catch {
      // Gone meanwhile.
    }
  }
  return total;
}

/** Samples the groups' memory every `everyMs` until stopped; `peak()` is the highest sum so far. */
export function memorySampler(pgids: () => number[], everyMs = 500): { peak(): number; stop(): void } {
  let peak = 0;
  const sample = () => {
    peak = Math.max(peak, groupPss(pgids()));
  };
  const timer = setInterval(sample, everyMs);
  timer.unref();
  return {
    peak: () => peak,
    stop: () => clearInterval(timer),
  };
}
