/**
 * Notifications away from the editor, against a loopback receiver standing in for a webhook and
 * for ntfy, with real sessions on a real tmux server: a failed session is told once on each
 * channel (signed, with the fields a receiver needs), by the leader alone; a new leader repeats
 * nothing sent and sends what its predecessor was sending when it ended; a failing endpoint is
 * tried again without holding up the engine; a burst past the rate limit is told as one summary;
 * a job's failed run is told by the job's own choice, and only the sessions chosen are told of.
 */
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { JobScheduler } from '../../src/core/jobs/jobScheduler';
import { engineNotifier, NotifyConfig, NotifierOptions, RemoteNotifier } from '../../src/core/notify/notifier';
import { writeSecrets } from '../../src/core/notify/notifySecrets';
import { Logger, silentLogger } from '../../src/core/util/host';
import { Harness, RECORDER_AGENT, startHarness } from '../support/engineHarness';
import { freePort } from '../support/freePort';
import { MemoryStorage } from '../support/storage';
import { NotifyReceiver, startReceiver } from '../support/notifyReceiver';
import { waitFor, waitForStatus } from '../support/wait';

describe('notifications away from the editor', () => {
  let h: Harness;
  let records: string;
  let receiver: NotifyReceiver;
  const notifiers: RemoteNotifier[] = [];
  const warnings: string[] = [];
  const logger: Logger = { ...silentLogger, warn: (message: string) => void warnings.push(message) };

  before(async () => {
    records = await mkdtemp(join(tmpdir(), 'instar-notify-records-'));
    h = await startHarness('notify', { agentCommand: RECORDER_AGENT, agentEnv: { RECORD_DIR: records } });
    receiver = await startReceiver();
  });
  after(async () => {
    for (const notifier of notifiers) notifier.dispose();
    await receiver.close();
    await h.dispose();
    await rm(records, { recursive: true, force: true });
  });

  /** A notifier on the harness's engine, as a host builds one. */
  function notifier(config: NotifyConfig, extra: Partial<Pick<NotifierOptions, 'retryDelaysMs' | 'rateWindowMs' | 'requestTimeoutMs' | 'jobNotify'>> = {}): RemoteNotifier {
    const made = engineNotifier(h.engine, { stateDir: h.stateDir, workspace: '/work/project', logger, ...extra, retryDelaysMs: extra.retryDelaysMs ?? [100, 200, 300] });
    made.configure(config);
    notifiers.push(made);
    return made;
  }

  /** Spawns `name`, lets it reach its prompt, and makes it exit with status `code` (an error). */
  async function failing(name: string, code: number): Promise<void> {
    await h.engine.spawn({ name, prompt: `Work of ${name}`, cwd: h.root });
    await fail(name, code);
  }

  /** Lets the session `name` reach its prompt, and makes it exit with status `code`. */
  async function fail(name: string, code: number): Promise<void> {
    await waitForStatus(h.engine, name, 'idle', 30_000);
    await h.engine.sendInput(name, `EXIT ${code}`);
    await waitForStatus(h.engine, name, 'error', 30_000);
  }

  /** What the state folder's record says of the session's event. */
  async function sentState(name: string): Promise<string | undefined> {
    const id = h.engine.get(name)?.id;
    const sent = JSON.parse(await readFile(join(h.stateDir, 'notified.json'), 'utf8')) as Record<string, { state: string }>;
    return Object.entries(sent).find(([key]) => key.startsWith(`${id}:`))?.[1].state;
  }

  const at = (prefix: string) => receiver.at(prefix);

  it('tells a failed session once on each channel, signed, by the leader alone; a new leader repeats nothing', async () => {
    await writeSecrets(h.stateDir, { webhookSecret: 'a-shared-secret', ntfyToken: 'tk_ntfy' });
    const config = { webhookUrl: `${receiver.url}/hook/a`, ntfyUrl: `${receiver.url}/ntfy/topic` };
    const leader = notifier(config);
    const follower = notifier(config);
    leader.setLeading(true);
    await failing('fails', 3);
    await waitFor('the webhook and ntfy', () => (at('/hook/a').length >= 1 && at('/ntfy/topic').length >= 1) || undefined, 20_000, 50);
    const [hook] = at('/hook/a');
    const document = JSON.parse(hook.body) as Record<string, string>;
    assert.equal(document.event, 'error');
    assert.equal(document.session, 'fails');
    assert.equal(document.state, 'error');
    assert.equal(document.workspace, '/work/project');
    assert.match(document.detail, /exit status 3/);
    assert.match(document.link, /^vscode:\/\/instar\.instar-sessions\/open\?session=fails&workspace=%2Fwork%2Fproject$/);
    assert.equal(document.answer, undefined, 'no text unless allowed');
    assert.equal(hook.headers['x-instar-event'], 'error');
    assert.equal(hook.headers['x-instar-delivery'], document.id);
    const expected = Buffer.from(`sha256=${createHmac('sha256', 'a-shared-secret').update(hook.body).digest('hex')}`);
    const given = Buffer.from(String(hook.headers['x-instar-signature-256']));
    assert.ok(given.length === expected.length && timingSafeEqual(given, expected), 'a valid HMAC signature of the body');
    const [ntfy] = at('/ntfy/topic');
    assert.equal(ntfy.headers.title, 'fails: error');
    assert.equal(ntfy.headers.authorization, 'Bearer tk_ntfy');
    assert.equal(ntfy.headers.tags, 'warning');
    assert.equal(ntfy.headers.click, document.link);
    assert.match(ntfy.body, /exit status 3/);
    // The lead changes hands: what was sent is not sent again.
    leader.setLeading(false);
    follower.setLeading(true);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal(at('/hook/a').length, 1, `once, whoever leads: ${at('/hook/a').map((request) => request.body).join('\n')}`);
    assert.equal(at('/ntfy/topic').length, 1);
    follower.setLeading(false);
  });

  it('a new leader sends what its predecessor was sending when it ended, once', async () => {
    const stuck = notifier({ webhookUrl: `${receiver.url}/hang/b` }, { requestTimeoutMs: 60_000 });
    stuck.setLeading(true);
    await failing('cut-off', 4);
    await waitFor('the request that never gets its answer', () => at('/hang/b').length === 1 || undefined, 20_000, 50);
    stuck.dispose();
    const next = notifier({ webhookUrl: `${receiver.url}/hook/b` });
    next.setLeading(true);
    await waitFor('the event sent again by the new leader', () => at('/hook/b').length === 1 || undefined, 20_000, 50);
    assert.equal(JSON.parse(at('/hook/b')[0].body).session, 'cut-off');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal(at('/hook/b').length, 1, 'and only once');
    next.setLeading(false);
  });

  it('tries a failing endpoint again without holding up the engine, and holds a burst past the limit as one summary', async () => {
    warnings.length = 0;
    const retrying = notifier({ webhookUrl: `${receiver.url}/fail-2/c` }, { retryDelaysMs: [300, 300, 300] });
    retrying.setLeading(true);
    await failing('flaky', 5);
    const started = performance.now();
    await h.engine.refresh();
    const refreshMs = performance.now() - started;
    await waitFor('the third try to land', () => at('/fail-2/c').length === 3 || undefined, 20_000, 50);
    await waitFor('its delivery on record', async () => (await sentState('flaky')) === 'sent' || undefined, 10_000, 50);
    assert.equal(warnings.filter((warning) => /Notification error of flaky by webhook failed: HTTP 500; trying again/.test(warning)).length, 2, warnings.join('\n'));
    console.log(`A refresh while the webhook failed: ${Math.round(refreshMs)} ms`);
    retrying.setLeading(false);
    const limited = notifier({ webhookUrl: `${receiver.url}/hook/d`, maxPerMinute: 1 }, { rateWindowMs: 10_000 });
    limited.setLeading(true);
    await Promise.all(['burst-1', 'burst-2', 'burst-3'].map((name, index) => failing(name, 10 + index)));
    await waitFor('the first one and the summary', () => at('/hook/d').length === 2 || undefined, 20_000, 50);
    const [first, summary] = at('/hook/d').map((request) => JSON.parse(request.body) as Record<string, string>);
    assert.equal(first.event, 'error');
    assert.equal(summary.event, 'held-back');
    assert.equal(summary.title, '2 more events held back');
    assert.match(summary.message, /^2 error \(burst-\d, burst-\d\)$/);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(at('/hook/d').length, 2, 'nothing more');
    limited.setLeading(false);
  });

  it("tells a job's failed run by the job's own choice, and only the sessions chosen", async () => {
    const scheduler = new JobScheduler(h.engine, { cwd: h.root, storage: new MemoryStorage(), clock: { now: () => Date.now() }, logger: silentLogger, runMissed: false });
    try {
      scheduler.load(
        JSON.stringify([
          { slug: 'told', schedule: '0 3 * * *', prompt: 'Nightly', notify: ['job-failed'] },
          { slug: 'quiet', schedule: '0 3 * * *', prompt: 'Nightly', notify: false },
        ]),
      );
      // Only sessions labelled "nightly": the jobs speak for themselves.
      const chosen = notifier({ webhookUrl: `${receiver.url}/hook/e`, only: ['label:nightly'] }, { jobNotify: (slug) => scheduler.get(slug)?.definition.notify });
      chosen.setLeading(true);
      const run = (slug: string) => scheduler.runNow(slug).then((record) => record!.name);
      const told = await run('told');
      const quiet = await run('quiet');
      await Promise.all([fail(told, 6), fail(quiet, 7), failing('not-chosen', 8)]);
      const [document] = await waitFor("the job's failure", () => (at('/hook/e').length > 0 ? at('/hook/e').map((request) => JSON.parse(request.body) as Record<string, string>) : undefined), 20_000, 50);
      assert.deepEqual([document.event, document.session, document.job, document.title], ['job-failed', told, 'told', `A run of job told failed: ${told}`]);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      assert.deepEqual(at('/hook/e').map((request) => (JSON.parse(request.body) as Record<string, string>).session), [told], 'not the job that chose nothing, nor a session left out');
      chosen.setLeading(false);
    } finally {
      scheduler.dispose();
    }
  });

  it('tries an endpoint that does not answer in time, or refuses the connection, as often as one that fails, and records the failure', async () => {
    warnings.length = 0;
    const refused = `http://127.0.0.1:${await freePort()}/nobody`;
    const both = notifier({ webhookUrl: `${receiver.url}/hang/f`, ntfyUrl: refused }, { retryDelaysMs: [100, 100, 100], requestTimeoutMs: 300 });
    both.setLeading(true);
    await failing('unreachable', 9);
    await waitFor('the record of its failure', async () => (await sentState('unreachable')) === 'failed' || undefined, 30_000, 100);
    const of = (channel: string, what: RegExp) => warnings.filter((warning) => warning.startsWith(`Notification error of unreachable by ${channel} failed: `) && what.test(warning));
    assert.equal(of('webhook', /timed out; trying again/).length, 3, warnings.join('\n'));
    assert.equal(of('webhook', /timed out; not tried again/).length, 1);
    assert.equal(of('ntfy', /ECONNREFUSED; trying again/).length, 3, warnings.join('\n'));
    // (A new leader also sends what stands unsent of the sessions before: the earlier tests' failures the choice there left out.)
    assert.equal(at('/hang/f').filter((request) => (JSON.parse(request.body) as { session?: string }).session === 'unreachable').length, 4, 'four tries, each one request');
    both.setLeading(false);
  });
});
