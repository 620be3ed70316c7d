/**
 * Sessions that finish and come back, with the real Claude Code (the oldest and the newest of the
 * matrix) against the fake Messages API: ending when idle (and not while someone is there),
 * resume after completed, error, killed and a lost tmux server, and jobs that run at every firing.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { JobScheduler } from '../../src/core/jobs/jobScheduler';
import { idleEndAt } from '../../src/core/model/sessionRecord';
import { sessionDescription } from '../../src/core/presentation/sessionPresentation';
import { isInstarError } from '../../src/core/util/errors';
import { silentLogger } from '../../src/core/util/host';
import type { ClaudeHome } from '../support/claudeEnv';
import { ClaudeRig, startClaudeRig } from '../support/claudeRig';
import { claudesUnderTest } from '../support/claudeVersions';
import type { Harness } from '../support/engineHarness';
import type { FakeMessagesApi } from '../support/fakeMessagesApi';
import { writeHookEvent } from '../support/quietAgent';
import { MemoryStorage } from '../support/storage';
import { tmuxOn } from '../support/tmuxServer';
import { waitFor, waitForStatus } from '../support/wait';

const STATE_TIMEOUT = 90_000;

/** Whether a process of this conversation still runs (its id in its command line), the tmux server that a spawn started aside. */
function claudeRuns(conversation: string): boolean {
  try {
    const lines = execFileSync('pgrep', ['-l', '-f', '--', conversation], { encoding: 'utf8' }).split('\n');
    return lines.some((line) => /^\d+\s+\S/.test(line) && !/^\d+\s+tmux/.test(line) && !line.includes('pgrep'));
  } catch {
    return false;
  }
}
const versions = claudesUnderTest();
for (const { label, binary } of versions.length > 1 ? [versions[0], versions[versions.length - 1]] : versions) lifecycleSuite(label, binary);

function lifecycleSuite(version: string, binary: string): void {
  describe(`sessions that finish and come back (${version})`, () => {
    let h: Harness;
    let api: FakeMessagesApi;
    let home: ClaudeHome;
    let cwd: string;
    const status = (name: string, wanted: Parameters<typeof waitForStatus>[2]) => waitForStatus(h.engine, name, wanted, STATE_TIMEOUT).then((result) => result.record);
    /** The request of the turn whose prompt is `prompt`: what the model was sent. */
    const turn = (prompt: string) => api.requests.find((request) => !request.isSide && request.lastUserText === prompt);

    let rig: ClaudeRig;
    before(async () => {
      rig = await startClaudeRig('life', binary, 250);
      ({ h, api, home, cwd } = rig);
    });
    after(() => rig.dispose());

    it('ends by itself once idle past its limit after its answer (completed, exit 0), but not while someone is there', async () => {
      await h.engine.spawn({ name: 'alone', prompt: 'First task, alone', cwd, idleLimitMs: 1500 });
      await h.engine.spawn({ name: 'watched', prompt: 'First task, watched', cwd, idleLimitMs: 1500 });
      await h.engine.spawn({ name: 'asking', prompt: 'USE-A-TOOL while waiting', cwd, idleLimitMs: 1500, permissionMode: 'default' });
      const binding = h.engine.terminals.binding('watched', { cols: 120, rows: 40 });
      await binding.start(); // as an editor terminal does: someone is there
      await status('watched', 'idle');
      await status('asking', 'waiting');
      const done = await status('alone', 'completed');
      assert.equal(done.exitCode, 0);
      assert.equal(done.statusDetail, 'ended when idle');
      assert.match(await h.engine.output('alone', { lines: 50 }), /Answer to: First task, alone/, 'its output is kept');
      await h.engine.refresh();
      await h.engine.refresh();
      assert.equal(h.engine.get('watched')?.status, 'idle', 'a session with a terminal attached stays');
      assert.equal(h.engine.get('watched')?.attached, true);
      assert.equal(idleEndAt(h.engine.get('watched')!), undefined, 'no end is due while it is open');
      assert.match(sessionDescription(h.engine.get('watched')!, Date.now()), /open: ends 1s after it is closed, if idle$/, 'the countdown says what will happen');
      assert.equal(h.engine.get('asking')?.status, 'waiting', 'a session waiting for an answer stays');
      const closedAt = Date.now();
      binding.close();
      const detached = await status('watched', (record) => record.attached === undefined && record.detachedAt !== undefined);
      assert.ok(detached.detachedAt! >= closedAt - 1000, 'tmux told of the detach');
      const ended = await status('watched', 'completed');
      // Measured on this clock: the record's endedAt is tmux's pane death time, in whole seconds.
      const seenAfter = Date.now() - closedAt;
      assert.equal(ended.exitCode, 0, 'once nobody is there, it ends too');
      assert.ok(seenAfter >= 1500, `its idle limit counted from when it was closed (its end seen ${seenAfter} ms after), not from its turn's end`);
      await h.engine.kill('asking');
    });

    it('resumes a completed session: the earlier conversation goes to the model, a follow-up is answered', async () => {
      const resumed = await h.engine.resume('alone', 'What did I ask first?');
      assert.equal(resumed.status, 'starting');
      assert.equal(resumed.runs, 2);
      const back = await status('alone', 'idle');
      assert.equal(back.endedAt, undefined);
      const request = await waitFor('the follow-up at the API', () => turn('What did I ask first?'), 30_000);
      assert.match(JSON.stringify(request.body.messages), /First task, alone/, 'the model got the earlier conversation');
      await waitFor('the answer on screen', async () => /Answer to: What did I ask first/.test(await h.engine.output('alone', { lines: 60 })), 30_000);
    });

    it('resumes after killed and after an error exit, then after the tmux server was lost', async () => {
      await h.engine.spawn({ name: 'again', prompt: 'Second task', cwd, idleLimitMs: 0 });
      await status('again', 'idle');
      // Killed at once after its Stop hook: kill lets the transcript settle, or 2.1.197 could not resume it.
      await h.engine.kill('again');
      const resumed = await h.engine.resume('again');
      await status('again', 'idle');
      // The killed claude's SessionEnd, written before the resume but read after it, is the old run's: the new one stays idle, with no end reason.
      const events = join(h.stateDir, 'events');
      await writeHookEvent(events, resumed.id, { hook_event_name: 'SessionEnd', reason: 'other' }, new Date(resumed.resumedAt! - 200));
      // Then one of this run, read after it: once it is applied, so was (or was not) the late one.
      await writeHookEvent(events, resumed.id, { hook_event_name: 'Stop', last_assistant_message: 'marker of this run' });
      await status('again', (record) => record.lastAnswer === 'marker of this run');
      assert.equal(h.engine.get('again')?.endReason, undefined, "an earlier run's event is not applied to this run");
      assert.equal(h.engine.get('again')?.status, 'idle');
      // The agent dies of a signal: an error.
      const pid = h.engine.get('again')?.panePid;
      assert.ok(pid, 'the pane pid is known');
      execFileSync('pkill', ['-TERM', '-P', String(pid)]);
      const failed = await status('again', 'error');
      assert.match(failed.statusDetail ?? '', /signal|exit status/);
      await h.engine.resume('again', 'Back after an error');
      await status('again', (record) => record.status === 'idle' && turn('Back after an error') !== undefined);
      tmuxOn(h.socket, 'kill-server');
      await status('again', 'lost');
      const back = await h.engine.resume('again', 'Back after the server was lost');
      assert.equal(back.runs, 4);
      await status('again', (record) => record.status === 'idle' && turn('Back after the server was lost') !== undefined);
      assert.match(JSON.stringify(turn('Back after the server was lost')!.body.messages), /Second task[\s\S]*Back after an error/, 'the whole conversation came back');
    });

    it('refuses to resume a session whose conversation is gone, saying why, and starts nothing', async () => {
      await h.engine.kill('again');
      const record = h.engine.get('again')!;
      // A killed claude can still write its transcript on its way out: gone first, then its file.
      await waitFor('the killed claude to exit', () => !claudeRuns(record.claudeSessionId!), 15_000);
      await rm(record.transcriptPath!, { force: true });
      await assert.rejects(h.engine.resume('again'), (error: unknown) => isInstarError(error, 'cannot-resume') && /no longer exists/.test((error as Error).message));
      assert.equal(h.engine.get('again')?.status, 'killed', 'nothing changed');
      await assert.rejects(h.engine.resume('no-such-session'), /no session named/);
    });

    it('adopts a claude started by hand in tmux: tracked by its screen, opened as a terminal, its exit seen', async () => {
      const env = Object.entries(home.env).map(([key, value]) => `${key}=${value}`);
      // The server may be exiting, empty since the last test killed its last session: try again then.
      const start = () => tmuxOn(h.socket, 'new-session', '-d', '-s', 'by-hand', '-x', '200', '-y', '50', '-c', cwd, '--', 'env', '-u', 'TMUX', ...env, binary, '--model', 'sonnet', '--dangerously-skip-permissions');
      await waitFor('a tmux server to start the session on', () => {
        try {
          start();
          return true;
        } catch (error) {
          if (/server exited unexpectedly|no server running|error connecting/.test(String(error))) return undefined;
          throw error;
        }
      }, 10_000);
      const listed = await waitFor('the tmux session', async () => (await h.engine.listTmuxSessions()).find((session) => session.name === 'by-hand'));
      assert.equal(listed.known, false);
      await assert.rejects(h.engine.adopt('By Hand'), /cannot be adopted under its name.*rename-session/);
      const adopted = await h.engine.adopt('by-hand');
      assert.equal(adopted.adopted, true);
      assert.equal(adopted.agentKind, 'claude');
      assert.equal(adopted.cwd, cwd);
      assert.ok((await h.engine.listTmuxSessions()).find((session) => session.name === 'by-hand')?.known);
      await status('by-hand', 'idle');
      const binding = h.engine.terminals.binding('by-hand', { cols: 100, rows: 30 });
      const painted: string[] = [];
      binding.onData((text) => painted.push(text));
      await binding.start();
      assert.match(painted.join(''), /\x1b\[H\x1b\[2J/, 'opened and painted like any session');
      binding.close();
      await h.engine.sendInput('by-hand', '/exit');
      // Its exit status comes from tmux alone (no wrapper), which tmux 3.3a does not always learn;
      // then the screen's parting words decide, and where there are none the detail says so.
      const ended = await status('by-hand', (record) => record.endedAt !== undefined);
      if (ended.status === 'error') assert.match(ended.statusDetail ?? '', /tmux did not learn its exit status/);
      else assert.equal(ended.status, 'completed');
      await assert.rejects(h.engine.resume('by-hand'), /adopted/);
    });

    it('runs a job at every firing: each run ends when done; a firing during a running turn is skipped', async () => {
      const clock = { t: new Date('2026-11-25T10:00:00').getTime(), now() { return this.t; } };
      const scheduler = new JobScheduler(h.engine, { cwd, storage: new MemoryStorage(), clock, logger: silentLogger, runMissed: false });
      try {
        scheduler.load(JSON.stringify([{ slug: 'minutely', schedule: '* * * * *', prompt: 'A minutely job', endWhenIdleSeconds: 1 }]));
        await scheduler.start();
        const runs: string[] = [];
        for (let minute = 1; minute <= 3; minute += 1) {
          clock.t += 60_000;
          await scheduler.tick();
          const run = scheduler.get('minutely')!.lastSession!;
          assert.ok(!runs.includes(run), `minute ${minute} started a new run`);
          runs.push(run);
          const ended = await status(run, 'completed');
          assert.equal(ended.exitCode, 0);
        }
        assert.deepEqual(scheduler.get('minutely')!.runs.map((entry) => entry.result), ['completed', 'completed', 'completed']);
        scheduler.load(JSON.stringify([{ slug: 'minutely', schedule: '* * * * *', prompt: 'TAKE-YOUR-TIME in a job', endWhenIdleSeconds: 1 }]));
        clock.t += 60_000;
        await scheduler.tick();
        const slow = scheduler.get('minutely')!.lastSession!;
        await status(slow, 'running');
        clock.t += 60_000;
        await scheduler.tick();
        assert.equal(scheduler.get('minutely')!.lastResult, 'skipped', 'the firing during a running turn is skipped');
        assert.equal(scheduler.get('minutely')!.lastSession, slow);
        await status(slow, 'completed');
      } finally {
        scheduler.dispose();
      }
    });
  });
}
