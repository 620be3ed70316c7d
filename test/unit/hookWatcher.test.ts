import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hookCommand, hookSettings, HOOK_EVENTS } from '../../src/core/agent/hookSettings';
import { silentLogger } from '../../src/core/util/host';
import type { HookEvent } from '../../src/core/status/hookEvents';
import { HookWatcher } from '../../src/core/status/hookWatcher';

/** Resolves once `done()` holds, checked now and after each batch the watcher hands over. */
function seenAll(watcher: HookWatcher, what: string, done: () => boolean, timeoutMs = 10_000): Promise<void> {
  if (done()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      subscription.dispose();
      reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const subscription = watcher.onEvents(() => {
      if (!done()) return;
      clearTimeout(timer);
      subscription.dispose();
      resolve();
    });
  });
}

/** Runs a hook command line the way Claude Code does: through a shell, payload on stdin. */
function runHook(command: string, sessionId: string, payload: unknown): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, INSTAR_SESSION_ID: sessionId } });
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout }));
    child.stdin.end(JSON.stringify(payload));
  });
}

describe('hook events', () => {
  let root: string;
  let dir: string;
  let watcher: HookWatcher;
  const seen: HookEvent[] = [];

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'instar-hooks-'));
    dir = join(root, `it's a "dir" with spaces $(x)`, 'events');
    watcher = new HookWatcher(dir, silentLogger);
    watcher.onEvents(({ events }) => seen.push(...events));
    await watcher.start();
  });
  after(async () => {
    watcher.dispose();
    await rm(root, { recursive: true, force: true });
  });

  it('registers every event, tool events with a matcher', () => {
    const settings = hookSettings(dir);
    assert.deepEqual(Object.keys(settings.hooks), [...HOOK_EVENTS]);
    const pre = settings.hooks.PreToolUse[0] as { matcher?: string };
    assert.equal(pre.matcher, '*');
  });

  it('delivers a payload written by the hook command, printing nothing', async () => {
    const started = performance.now();
    const count = seen.length;
    const result = await runHook(hookCommand(dir), 'abc-1', { hook_event_name: 'Stop', session_id: 'c-9', transcript_path: '/x.jsonl', cwd: '/' });
    assert.equal(result.code, 0);
    assert.equal(result.stdout, '', 'a hook that prints would talk to Claude');
    await seenAll(watcher, 'the event', () => seen.length > count);
    const event = seen[seen.length - 1];
    assert.equal(event.sessionId, 'abc-1');
    assert.equal(event.name, 'Stop');
    assert.equal(event.claudeSessionId, 'c-9');
    console.log(`hook command to event: ${Math.round(performance.now() - started)} ms`);
    assert.equal((await readdir(dir)).length, 1, 'the event file stays for the other engines of the workspace');
  });

  it('delivers 50 concurrent events once each, and events written before the watcher started', async () => {
    watcher.dispose();
    await Promise.all(Array.from({ length: 5 }, (_, i) => runHook(hookCommand(dir), 'early', { hook_event_name: 'PreToolUse', tool_name: `T${i}` })));
    const batch: HookEvent[] = [];
    const replayed: HookEvent[] = [];
    watcher = new HookWatcher(dir, silentLogger);
    watcher.onEvents(({ events, replay }) => (replay ? replayed : batch).push(...events));
    await watcher.start();
    assert.equal(replayed.filter((e) => e.sessionId === 'early').length, 5, 'read at start, as a replay');
    assert.equal(replayed.filter((e) => e.sessionId === 'abc-1').length, 1, 'the earlier engine read it too: it is still there');

    await Promise.all(Array.from({ length: 50 }, (_, i) => runHook(hookCommand(dir), 'many', { hook_event_name: 'PostToolUse', tool_name: `T${i}` })));
    await seenAll(watcher, '50 events', () => batch.filter((e) => e.sessionId === 'many').length >= 50);
    const tools = batch.filter((e) => e.sessionId === 'many').map((e) => e.toolName);
    assert.equal(tools.length, 50);
    assert.equal(new Set(tools).size, 50);
    assert.equal((await watcher.eventsOf('many')).length, 50, 'a session\'s events can be read again');
  });

  it('lets two watchers of one folder each see every event once', async () => {
    const second = new HookWatcher(dir, silentLogger);
    const first: HookEvent[] = [];
    const other: HookEvent[] = [];
    const subscription = watcher.onEvents(({ events }) => first.push(...events.filter((e) => e.sessionId === 'shared')));
    second.onEvents(({ events, replay }) => {
      if (!replay) other.push(...events.filter((e) => e.sessionId === 'shared'));
    });
    await second.start();
    try {
      await Promise.all(Array.from({ length: 20 }, (_, i) => runHook(hookCommand(dir), 'shared', { hook_event_name: 'PostToolUse', tool_name: `S${i}` })));
      await seenAll(watcher, '20 events in the first', () => first.length >= 20);
      await seenAll(second, '20 events in the second', () => other.length >= 20);
      await Promise.all([watcher.drain(), second.drain()]);
      assert.equal(first.length, 20);
      assert.equal(other.length, 20);
    } finally {
      subscription.dispose();
      second.dispose();
    }
  });

  it('orders events by when the hooks wrote them', async () => {
    const batch: HookEvent[] = [];
    watcher.onEvents(({ events }) => batch.push(...events.filter((e) => e.sessionId === 'order')));
    for (const name of ['UserPromptSubmit', 'PreToolUse', 'PostToolUse', 'Stop']) await runHook(hookCommand(dir), 'order', { hook_event_name: name });
    await seenAll(watcher, 'four events', () => batch.length >= 4);
    assert.deepEqual(batch.map((e) => e.name), ['UserPromptSubmit', 'PreToolUse', 'PostToolUse', 'Stop']);
  });

  it('gives events written in the same clock tick in the order their cursors compare (none skipped on a replay)', async () => {
    // Seen with 100 sessions: an agent's SessionStart and the engine's instar:spawn in one tick of
    // the file system's clock; sorted one way and compared another, the replay skipped SessionStart.
    const id = 'same-tick';
    await writeFile(join(dir, `${id}.GqMjSK6G.json`), JSON.stringify({ hook_event_name: 'SessionStart', session_id: id }));
    await writeFile(join(dir, `${id}.a4ff6373e9aa.json`), JSON.stringify({ hook_event_name: 'instar:spawn', engine: 'other' }));
    const tick = new Date('2026-12-06T12:00:00.000Z');
    for (const name of [`${id}.GqMjSK6G.json`, `${id}.a4ff6373e9aa.json`]) await utimes(join(dir, name), tick, tick);
    const events = await watcher.eventsOf(id);
    assert.equal(events.length, 2);
    assert.ok(events[0].order < events[1].order, `each event's cursor after the one before: ${events.map((event) => event.order).join(' then ')}`);
  });

  it("at a start, reads only the events after each session's cursor, and every event of a session with none", async () => {
    const folder = join(root, 'start-events');
    const write = async (name: string, event: string, at: string) => {
      await writeFile(join(folder, name), JSON.stringify({ hook_event_name: event }));
      await utimes(join(folder, name), new Date(at), new Date(at));
    };
    const first = new HookWatcher(folder, silentLogger);
    await first.start();
    first.dispose();
    await write('known.aaaa.json', 'SessionStart', '2026-12-07T10:00:00Z');
    await write('known.bbbb.json', 'UserPromptSubmit', '2026-12-07T10:00:01Z');
    await write('known.cccc.json', 'Stop', '2026-12-07T10:00:02Z');
    await write('other.dddd.json', 'SessionStart', '2026-12-07T10:00:00Z');
    // Applied up to its second event: the third alone is new. The other session has no record here.
    const [cursor] = (await new HookWatcher(folder, silentLogger).eventsOf('known')).slice(1).map((event) => event.order);
    const read: HookEvent[] = [];
    const second = new HookWatcher(folder, silentLogger, undefined, (id) => (id === 'known' ? cursor : undefined));
    second.onEvents(({ events }) => read.push(...events));
    await second.start();
    second.dispose();
    assert.deepEqual(read.map((event) => `${event.sessionId} ${event.name}`).sort(), ['known Stop', 'other SessionStart']);
  });
});
