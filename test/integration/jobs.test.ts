/** Scheduled jobs on an injected clock, spawning real sessions on real tmux. */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Logger, silentLogger } from '../../src/core/util/host';
import { MemoryStorage } from '../support/storage';
import { parseJobs } from '../../src/core/jobs/jobsFile';
import { JobScheduler } from '../../src/core/jobs/jobScheduler';
import { watchJobsFile } from '../../src/core/jobs/jobsWatcher';
import { Harness, RECORDER_AGENT, startHarness } from '../support/engineHarness';
import { writeHookEvent, writeQuietAgent } from '../support/quietAgent';
import { waitFor, waitForStatus } from '../support/wait';

const at = (text: string) => new Date(text).getTime();

describe('jobs.json', () => {
  it('keeps the valid jobs and names the entry and field of each problem', () => {
    const { jobs, problems } = parseJobs(
      JSON.stringify([
        { slug: 'nightly', name: 'Nightly audit', schedule: '0 3 * * *', prompt: 'Audit', model: 'haiku' },
        { slug: 'bad-cron', schedule: '61 * * * *', prompt: 'x' },
        { slug: 'Bad Slug', schedule: '* * * * *', prompt: 'x' },
        { slug: 'no-prompt', schedule: '* * * * *' },
        { slug: 'skill', schedule: '*/5 * * * *', skill: 'review', keepAlive: true, enabled: false },
        { slug: 'nightly', schedule: '* * * * *', prompt: 'again' },
        { slug: 'six-fields', schedule: '0 0 3 * * *', prompt: 'x' },
        'not an object',
      ]),
    );
    assert.deepEqual(jobs.map((job) => job.slug), ['nightly', 'skill']);
    assert.equal(jobs[1].prompt, '/review');
    assert.equal(jobs[1].keepAlive, true);
    assert.equal(jobs[1].enabled, false);
    assert.match(problems[0], /^jobs\[1\] \(slug "bad-cron"\): schedule "61 \* \* \* \*" is not a valid cron expression/);
    assert.match(problems[1], /^jobs\[2\] \(slug "Bad Slug"\): slug is invalid/);
    assert.match(problems[2], /^jobs\[3\] \(slug "no-prompt"\): prompt is missing/);
    assert.match(problems[3], /^jobs\[5\] \(slug "nightly"\): slug is used by an earlier job/);
    assert.match(problems[4], /^jobs\[6\] .*: schedule .* is not a 5-field cron expression/);
    assert.match(problems[5], /^jobs\[7\]: each job must be an object/);
    assert.match(parseJobs('{oops').problems[0], /not valid JSON/);
    assert.match(parseJobs('{}').problems[0], /must be an array/);
  });
});

describe('jobs.json budgets and worktrees', () => {
  it('takes a budget per run and per day, and runs in worktrees; refuses values that are not dollars or a base', () => {
    const { jobs, problems } = parseJobs(
      JSON.stringify([
        { slug: 'capped', schedule: '* * * * *', prompt: 'x', budgetUsd: 0.5, dailyBudgetUsd: 5, worktree: true },
        { slug: 'based', schedule: '* * * * *', prompt: 'x', worktree: { base: 'develop' } },
        { slug: 'bad-budget', schedule: '* * * * *', prompt: 'x', dailyBudgetUsd: 'a lot' },
        { slug: 'bad-tree', schedule: '* * * * *', prompt: 'x', worktree: 'yes' },
      ]),
    );
    assert.deepEqual(jobs.map((job) => [job.slug, job.budgetUsd, job.dailyBudgetUsd, job.worktree]), [['capped', 0.5, 5, true], ['based', undefined, undefined, { base: 'develop' }]]);
    assert.match(problems[0], /^jobs\[2\] \(slug "bad-budget"\): dailyBudgetUsd must be a number of US dollars above 0/);
    assert.match(problems[1], /^jobs\[3\] \(slug "bad-tree"\): worktree must be true, false, or \{ "base"/);
  });

  it("takes a job's own choice of notifications, and refuses a kind there is none of, listing them", () => {
    const { jobs, problems } = parseJobs(
      JSON.stringify([
        { slug: 'told', schedule: '* * * * *', prompt: 'x', notify: ['job-failed', 'waiting', 'job-failed'] },
        { slug: 'quiet', schedule: '* * * * *', prompt: 'x', notify: false },
        { slug: 'as-set', schedule: '* * * * *', prompt: 'x', notify: true },
        { slug: 'bad-notify', schedule: '* * * * *', prompt: 'x', notify: ['sms'] },
      ]),
    );
    assert.deepEqual(jobs.map((job) => [job.slug, job.notify]), [['told', ['job-failed', 'waiting']], ['quiet', []], ['as-set', undefined]]);
    assert.equal(problems.length, 1);
    assert.match(problems[0], /^jobs\[3\] \(slug "bad-notify"\): notify must be a list of waiting, error, budget, job-failed, batch-done \(false or \[\]: none; true: as the settings say\)$/);
  });
});

describe("a job's daily budget", () => {
  let h: Harness;
  const lines: string[] = [];
  const logger: Logger = { ...silentLogger, info: (line) => lines.push(line), warn: (line) => lines.push(line) };
  let scheduler: JobScheduler;

  before(async () => {
    const agent = await writeQuietAgent(join(tmpdir(), `instar-quiet-jobs-${process.pid}`));
    h = await startHarness('jobbudget', { agentCommand: agent });
    scheduler = new JobScheduler(h.engine, { cwd: h.root, storage: new MemoryStorage(), clock: { now: () => Date.now() }, logger, runMissed: false });
  });
  after(async () => {
    scheduler.dispose();
    await h.dispose();
  });

  it("gives a run what is left of the day's budget, stops it there, and does not run the next firing, saying why", async () => {
    scheduler.load(JSON.stringify([{ slug: 'spendy', schedule: '0 0 1 1 *', prompt: 'Spend', budgetUsd: 10, dailyBudgetUsd: 2 }]));
    await scheduler.start();
    const run = await scheduler.runNow('spendy');
    assert.equal(run?.budgetUsd, 2, "the run's budget is what is left of the day's");
    const { record } = await waitForStatus(h.engine, run!.name, (current) => current.statusSignal === 'hook', 30_000);
    // Claude Code's part: one answer of a million input tokens ($3 at sonnet's price) in the run's transcript.
    const transcript = join(h.root, `${record.id}.jsonl`);
    await writeFile(transcript, `${JSON.stringify({ type: 'assistant', timestamp: new Date().toISOString(), message: { id: 'msg_1', model: 'claude-sonnet-5', content: [{ type: 'text', text: 'spent' }], usage: { input_tokens: 1_000_000, output_tokens: 0 } } })}\n`);
    await writeHookEvent(join(h.stateDir, 'events'), record.id, { hook_event_name: 'Stop', transcript_path: transcript, last_assistant_message: 'spent' });
    const { record: stopped } = await waitForStatus(h.engine, run!.name, (current) => current.endedAt !== undefined, 30_000);
    assert.equal(stopped.status, 'error');
    assert.match(stopped.statusDetail ?? '', /^budget: \$3\.00 spent of the session's \$2\.00$/);
    assert.equal(h.engine.usage.jobCostToday('spendy'), 3);
    assert.equal(await scheduler.runNow('spendy'), undefined, 'the next firing does not run');
    assert.equal(scheduler.get('spendy')?.lastResult, 'over budget');
    assert.ok(lines.some((line) => /^Job spendy \(run now\): not run, its daily budget of \$2\.00 is spent \(\$3\.00 today\)/.test(line)), lines.join('\n'));
  });
});

describe('jobs.json idle limits', () => {
  it('gives each run 30 s to be taken up after its answer unless the job says otherwise, and refuses bad values', () => {
    const { jobs, problems } = parseJobs(
      JSON.stringify([
        { slug: 'plain', schedule: '* * * * *', prompt: 'x' },
        { slug: 'kept', schedule: '* * * * *', prompt: 'x', endWhenIdleSeconds: 0 },
        { slug: 'quick', schedule: '* * * * *', prompt: 'x', endWhenIdleSeconds: 5 },
        { slug: 'bad', schedule: '* * * * *', prompt: 'x', endWhenIdleSeconds: 1.5 },
      ]),
    );
    assert.deepEqual(jobs.map((job) => [job.slug, job.endWhenIdleMs]), [['plain', 30_000], ['kept', 0], ['quick', 5000]]);
    assert.match(problems[0], /^jobs\[3\] \(slug "bad"\): endWhenIdleSeconds must be a whole number of seconds/);
  });
});

describe('job scheduler', () => {
  let h: Harness;
  let records: string;
  const clock = { t: at('2026-11-25T10:03:00'), now() { return this.t; } };
  const storage = new MemoryStorage();
  let scheduler: JobScheduler;

  before(async () => {
    h = await startHarness('jobs', { agentCommand: RECORDER_AGENT });
    records = join(h.root, 'records');
    await mkdir(records);
    process.env.RECORD_DIR = records;
    scheduler = new JobScheduler(h.engine, { cwd: h.root, storage, clock, logger: silentLogger, runMissed: true });
  });
  after(async () => {
    scheduler.dispose();
    await h.dispose();
  });

  const sessionsOf = (slug: string) => h.engine.list().filter((record) => record.jobSlug === slug);
  const endSession = async (name: string, code: number) => {
    await waitFor(`${name} to start`, () => readFile(join(records, `${name}.argv.json`), 'utf8'));
    await h.engine.sendInput(name, `EXIT ${code}`);
    await waitForStatus(h.engine, name, (record) => record.endedAt !== undefined, 15_000);
  };

  it('fires on schedule, named job-<slug>-<time>, and not again while a session holds the slug', async () => {
    scheduler.load(JSON.stringify([{ slug: 'every5', schedule: '*/5 * * * *', prompt: 'Check in' }]));
    await scheduler.start();
    assert.equal(sessionsOf('every5').length, 0, 'nothing before its time');
    assert.equal(scheduler.get('every5')?.nextRunAt, at('2026-11-25T10:05:00'));
    clock.t = at('2026-11-25T10:05:00');
    await scheduler.tick();
    assert.deepEqual(sessionsOf('every5').map((r) => r.name), ['job-every5-20261125-1005']);
    assert.equal(sessionsOf('every5')[0].prompt, 'Check in');
    clock.t = at('2026-11-25T10:10:00');
    await scheduler.tick();
    assert.equal(sessionsOf('every5').length, 1, 'a live session holds the slug');
    assert.equal(scheduler.get('every5')?.lastResult, 'skipped');
    await endSession('job-every5-20261125-1005', 0);
    clock.t = at('2026-11-25T10:15:00');
    await scheduler.tick();
    assert.equal(sessionsOf('every5').length, 2);
  });

  it("runs each folder's jobs of a multi-root workspace in that folder, and refuses a slug another folder has", async () => {
    const lib = join(h.root, 'lib');
    await mkdir(join(lib, '.instar'), { recursive: true });
    await writeFile(join(lib, '.instar', 'jobs.json'), JSON.stringify([{ slug: 'lib-lint', schedule: '0 0 1 1 *', prompt: 'Lint the library' }, { slug: 'every5', schedule: '0 0 1 1 *', prompt: 'Not this one' }]));
    const other = new JobScheduler(h.engine, { cwd: h.root, storage: new MemoryStorage(), clock, logger: silentLogger, runMissed: false });
    try {
      other.load(JSON.stringify([{ slug: 'every5', schedule: '0 0 1 1 *', prompt: 'The first folder has it' }]));
      const watching = await watchJobsFile(lib, other);
      try {
        assert.deepEqual(other.list().map((state) => [state.definition.slug, state.folder]), [['every5', h.root], ['lib-lint', lib]]);
        assert.equal(other.get('every5')?.definition.prompt, 'The first folder has it');
        assert.equal(other.problems.length, 1);
        assert.match(other.problems[0], new RegExp(`^${lib}: slug "every5" is already a job of ${h.root}/\\.instar/jobs\\.json: slugs are the workspace's, give this one another`));
        const run = await other.runNow('lib-lint');
        assert.equal(run?.cwd, lib, "the run starts in its folder");
        await h.engine.kill(run!.name);
        // The first folder's jobs come back untouched when the library's file changes.
        other.loadFolder(lib, undefined);
        assert.deepEqual(other.list().map((state) => state.definition.slug), ['every5']);
        assert.deepEqual(other.problems, []);
      } finally {
        watching.dispose();
      }
    } finally {
      other.dispose();
    }
  });

  it('respawns keepAlive jobs when their session ends, backing off after errors', async () => {
    clock.t = at('2026-11-25T11:00:30');
    scheduler.load(JSON.stringify([{ slug: 'keeper', schedule: '0 0 1 1 *', prompt: 'Stay up', keepAlive: true }]));
    const first = await scheduler.runNow('keeper');
    assert.ok(first);
    await endSession(first.name, 0);
    await scheduler.tick();
    assert.equal(sessionsOf('keeper').length, 2, 'a success respawns at once');
    const delays: number[] = [];
    for (let round = 0; round < 3; round += 1) {
      const live = sessionsOf('keeper').find((record) => record.endedAt === undefined)!;
      await endSession(live.name, 1);
      await scheduler.tick();
      const state = scheduler.get('keeper')!;
      assert.ok(state.respawnAt !== undefined, 'a respawn is due');
      delays.push(state.respawnAt - clock.t);
      const count = sessionsOf('keeper').length;
      clock.t = state.respawnAt - 1;
      await scheduler.tick();
      assert.equal(sessionsOf('keeper').length, count, 'not before the back-off');
      clock.t = state.respawnAt;
      await scheduler.tick();
      assert.equal(sessionsOf('keeper').length, count + 1, 'respawned after it');
    }
    assert.deepEqual(delays, [30_000, 60_000, 120_000]);
  });

  it('runs a missed run once at start, and not a disabled job', async () => {
    const store = new MemoryStorage();
    await store.update('instar.jobs.v1', { lastRunAt: { hourly: at('2026-11-25T08:00:00'), off: at('2026-11-25T08:00:00') }, disabled: ['off'] });
    clock.t = at('2026-11-25T12:30:00');
    const other = new JobScheduler(h.engine, { cwd: h.root, storage: store, clock, logger: silentLogger, runMissed: true });
    try {
      other.load(JSON.stringify([{ slug: 'hourly', schedule: '0 * * * *', prompt: 'Hourly' }, { slug: 'off', schedule: '0 * * * *', prompt: 'Never' }]));
      await other.start();
      assert.equal(sessionsOf('hourly').length, 1, 'once, not once per missed hour');
      assert.equal(sessionsOf('off').length, 0);
      assert.equal(other.get('off')?.enabled, false);
    } finally {
      other.dispose();
    }
  });

  it('reloads when jobs.json is edited; a broken entry leaves the others working', async () => {
    const workspace = join(h.root, 'ws');
    await mkdir(join(workspace, '.instar'), { recursive: true });
    const watched = new JobScheduler(h.engine, { cwd: workspace, storage: new MemoryStorage(), clock, logger: silentLogger, runMissed: false });
    const watcher = await watchJobsFile(workspace, watched, 50);
    try {
      assert.deepEqual(watched.list(), []);
      await writeFile(join(workspace, '.instar', 'jobs.json'), JSON.stringify([{ slug: 'a', schedule: '* * * * *', prompt: 'A' }, { slug: 'b', schedule: 'nope', prompt: 'B' }]));
      await waitFor('the reload', () => watched.list().length === 1, 10_000);
      assert.match(watched.problems[0], /slug "b".*schedule/);
      await writeFile(join(workspace, '.instar', 'jobs.json'), JSON.stringify([{ slug: 'a', schedule: '* * * * *', prompt: 'A' }, { slug: 'b', schedule: '0 * * * *', prompt: 'B' }]));
      await waitFor('the second reload', () => watched.list().length === 2, 10_000);
      assert.deepEqual(watched.problems, []);
    } finally {
      watcher.dispose();
      watched.dispose();
    }
  });
});
