/**
 * Following a transcript that grows to 50 MB: each change is read from where the last read
 * stopped, so the engine's memory stays flat whatever the file's size, and the figures are those
 * of the whole file. The agent is the quiet stand-in; the test writes the transcript as Claude
 * Code does (whole lines appended), with the large tool results real sessions have.
 */
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import { appendFile, mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { after, before, describe, it } from 'node:test';
import { Harness, startHarness } from '../support/engineHarness';
import { writeHookEvent, writeQuietAgent } from '../support/quietAgent';
import { waitForStatus } from '../support/wait';

const MIB = 1024 * 1024;
const TOTAL_BYTES = 50 * MIB;
const STEPS = 10;

/** Full garbage collections, with or without --expose-gc, and time for buffers' memory to be given back. */
async function collect(): Promise<void> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  for (let i = 0; i < 3; i += 1) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** What the process holds: the heap in use and the memory of buffers. */
const held = (): number => {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external;
};

/** About `bytes` of transcript: prompts, tool results of 200 KB, and answers of 1000 input tokens each. */
function chunk(step: number, bytes: number): { text: string; answers: number } {
  const lines: string[] = [];
  let size = 0;
  let answers = 0;
  while (size < bytes) {
    const n = `${step}-${answers}`;
    lines.push(JSON.stringify({ type: 'user', message: { content: [{ type: 'tool_result', tool_use_id: `toolu_${n}`, content: 'x'.repeat(200_000) }] } }));
    lines.push(JSON.stringify({ type: 'assistant', timestamp: new Date().toISOString(), message: { id: `msg_${n}`, model: 'claude-sonnet-5', content: [{ type: 'text', text: `answer ${n}` }], usage: { input_tokens: 1000, output_tokens: 10 } } }));
    answers += 1;
    size = lines.reduce((sum, line) => sum + line.length + 1, 0);
  }
  return { text: `${lines.join('\n')}\n`, answers };
}

/** Counts the bytes read of `file` through fs.promises (as the engine reads), until `stop`. */
function countReads(file: string): { bytes: () => number; stop: () => void } {
  let bytes = 0;
  const open = fsp.open;
  fsp.open = (async (...args: Parameters<typeof open>) => {
    const handle = await open(...args);
    if (String(args[0]) !== file) return handle;
    const read = handle.read.bind(handle) as (...readArgs: unknown[]) => Promise<{ bytesRead: number }>;
    (handle as unknown as { read: unknown }).read = async (...readArgs: unknown[]) => {
      const result = await read(...readArgs);
      bytes += result.bytesRead;
      return result;
    };
    return handle;
  }) as typeof open;
  return { bytes: () => bytes, stop: () => (fsp.open = open) };
}

describe('a transcript followed as it grows to 50 MB', () => {
  let h: Harness;
  before(async () => {
    const agent = await writeQuietAgent(join(process.env.TMPDIR ?? '/tmp', `instar-quiet-follow-${process.pid}`));
    h = await startHarness('follow', { agentCommand: agent });
  });
  after(() => h.dispose());

  it("reads each byte about once: memory stays flat and the tokens are the whole file's", async () => {
    const spawned = await h.engine.spawn({ name: 'follow-1', prompt: '', cwd: h.root });
    await waitForStatus(h.engine, 'follow-1', 'idle', 30_000);
    const transcript = join(h.root, 'projects', 'folder', `${spawned.id}.jsonl`);
    await mkdir(join(h.root, 'projects', 'folder'), { recursive: true });
    await writeFile(transcript, '');
    await writeHookEvent(join(h.stateDir, 'events'), spawned.id, { hook_event_name: 'UserPromptSubmit', transcript_path: transcript });
    await waitForStatus(h.engine, 'follow-1', (record) => record.transcriptPath === transcript, 30_000);
    const reads = countReads(transcript);
    let answers = 0;
    let highest = 0;
    try {
      await collect();
      const baseline = held();
      for (let step = 0; step < STEPS; step += 1) {
        let part: { text: string; answers: number } | undefined = chunk(step, TOTAL_BYTES / STEPS);
        await appendFile(transcript, part.text);
        answers += part.answers;
        const expected = answers * 1000;
        const { record } = await waitForStatus(h.engine, 'follow-1', (current) => current.usage?.tokens.input === expected, 60_000);
        assert.equal(record.usageCursor?.offset, (await stat(transcript)).size, 'read to the end of what was there');
        // What this step appended is gone too: only what the engine keeps counts.
        part = undefined;
        await collect();
        highest = Math.max(highest, held() - baseline);
      }
    } finally {
      reads.stop();
    }
    const size = (await stat(transcript)).size;
    console.log(`  followed ${(size / MIB).toFixed(1)} MiB in ${STEPS} steps, ${(reads.bytes() / MIB).toFixed(1)} MiB read; memory held at most ${(highest / MIB).toFixed(1)} MiB over the start`);
    assert.ok(size >= TOTAL_BYTES);
    assert.equal(h.engine.get('follow-1')!.usage!.tokens.input, answers * 1000);
    // A line still being written when a read comes is read again with the next one: a little over once, never the file again.
    assert.ok(reads.bytes() >= size && reads.bytes() <= size * 1.1, `each byte read about once: ${reads.bytes()} bytes read of a ${size}-byte file`);
    // Holding the file (50 MiB of text, twice that as a string) would show: a fifth of it is the bound.
    assert.ok(highest < 10 * MIB, `memory grew by ${(highest / MIB).toFixed(1)} MiB while following a ${(size / MIB).toFixed(0)} MiB transcript`);
    await h.engine.kill('follow-1');
  });

  it("follows a transcript whose name is not the conversation's id (Codex's rollout-…, Gemini's session-…) with no hook after it grows", async () => {
    const spawned = await h.engine.spawn({ name: 'follow-2', prompt: '', cwd: h.root });
    await waitForStatus(h.engine, 'follow-2', 'idle', 30_000);
    const folder = join(h.root, 'chats');
    await mkdir(folder, { recursive: true });
    const transcript = join(folder, 'session-2026-12-07T02-33-2fed0a14.jsonl');
    await writeFile(transcript, '');
    await writeHookEvent(join(h.stateDir, 'events'), spawned.id, { hook_event_name: 'Stop', transcript_path: transcript });
    await waitForStatus(h.engine, 'follow-2', (record) => record.transcriptPath === transcript, 30_000);
    // Written after the turn's last hook, as a CLI may flush its log: only the folder's watcher can see it.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await appendFile(transcript, chunk(0, 1).text);
    const { ms } = await waitForStatus(h.engine, 'follow-2', (record) => record.usage?.tokens.input === 1000, 30_000);
    console.log(`  a later write read ${ms} ms after`);
    await h.engine.kill('follow-2');
  });
});
