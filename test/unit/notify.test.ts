import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { desktopCommand, ntfyRequest, signature, webhookRequest } from '../../src/core/notify/channels';
import { notifyConfigOf, sessionLink } from '../../src/core/notify/notifier';
import { eventFor, heldBackEvent, isWanted, NotifyChoice, standingEvents } from '../../src/core/notify/notifyEvents';
import { readSettings } from '../../src/core/settings/instarSettings';
import { RECORD_T0, sessionRecord } from '../support/records';

const T0 = RECORD_T0;
const record = sessionRecord;

describe('what is told away from the editor', () => {
  it('a wait, with what it asks only where the text is allowed', () => {
    const waiting = record('a', { status: 'waiting', statusDetail: 'permission: Bash', toolAsk: 'Bash: rm -rf build', statusSince: T0 + 5 });
    const told = eventFor(waiting, 'running')!;
    assert.deepEqual([told.id, told.kind, told.title, told.message, told.urgent], ['id-a:waiting:1800000000005', 'waiting', 'a is waiting for you', 'permission: Bash', true]);
    assert.match(eventFor(waiting, 'running', [], true)!.message, /rm -rf build/);
    assert.equal(eventFor(waiting, 'waiting'), undefined, 'no change, nothing told');
  });

  it('a failure, a budget stop and a job run that failed, each its own kind; never a turn that ended', () => {
    assert.equal(eventFor(record('e', { status: 'error', statusDetail: 'exit status 2' }), 'running')?.kind, 'error');
    assert.equal(eventFor(record('l', { status: 'lost' }), 'idle')?.kind, 'error');
    const budget = eventFor(record('b', { status: 'error', budgetExceeded: 'its budget of $1.00 is spent' }), 'running')!;
    assert.deepEqual([budget.kind, budget.message], ['budget', 'its budget of $1.00 is spent']);
    const job = eventFor(record('nightly-1', { status: 'error', jobSlug: 'nightly' }), 'running')!;
    assert.deepEqual([job.kind, job.title, job.job], ['job-failed', 'A run of job nightly failed: nightly-1', 'nightly']);
    assert.equal(eventFor(record('i', { status: 'idle' }), 'running'), undefined);
    assert.equal(eventFor(record('c', { status: 'completed' }), 'idle'), undefined);
  });

  it('a batch once all its sessions are done, with its counts', () => {
    const members = [record('p-1', { status: 'idle', batch: 'x' }), record('p-2', { status: 'error', batch: 'x' }), record('p-3', { status: 'running', batch: 'x' })];
    assert.equal(eventFor(members[0], 'running', members), undefined, 'one still at work');
    members[2] = record('p-3', { status: 'idle', batch: 'x' });
    const done = eventFor(members[2], 'running', members)!;
    assert.deepEqual([done.id, done.kind, done.title], ['batch:x', 'batch-done', 'A batch finished, with failures']);
    assert.match(done.message, /3 sessions spawned together finished their turns \(p-1, p-2, p-3\): 2 idle, 1 error/);
  });

  it('what stands for a leader that takes over: waits and failures since a time', () => {
    const records = [record('w', { status: 'waiting', statusSince: T0 + 10 }), record('old', { status: 'error', statusSince: T0 - 10 }), record('r', { status: 'running', statusSince: T0 + 10 })];
    assert.deepEqual(standingEvents(records, T0).map((event) => event.id), ['id-w:waiting:1800000000010']);
  });

  it('only the kinds and sessions chosen: by label, job or name; a job by its own choice where it made one', () => {
    const every: NotifyChoice = { kinds: ['waiting', 'error', 'job-failed', 'batch-done'], only: [] };
    const failed = (name: string, fields: Parameters<typeof record>[1] = {}) => eventFor(record(name, { status: 'error', ...fields }), 'running')!;
    const waiting = eventFor(record('review-api', { status: 'waiting', batch: 'nightly' }), 'running')!;
    assert.equal(waiting.label, 'nightly');
    assert.equal(isWanted(failed('a'), every), true);
    assert.equal(isWanted(failed('a'), { ...every, kinds: ['waiting'] }), false, 'a kind not chosen');
    const only = (...patterns: string[]): NotifyChoice => ({ ...every, only: patterns });
    assert.equal(isWanted(waiting, only('label:nightly')), true);
    assert.equal(isWanted(waiting, only('label:night')), false, 'a label whole, not a part');
    assert.equal(isWanted(waiting, only('review-*')), true);
    assert.equal(isWanted(waiting, only('review')), false);
    assert.equal(isWanted(failed('audit.1'), only('audit*')), true, 'a dot is a dot');
    assert.equal(isWanted(failed('auditx1'), only('audit.1')), false);
    const run = failed('job-audit-1', { jobSlug: 'audit' });
    assert.equal(isWanted(run, only('job:audit')), true);
    assert.equal(isWanted(run, only('label:nightly')), false);
    assert.equal(isWanted(run, only('label:nightly'), ['job-failed']), true, "the job's own choice, whatever only says");
    assert.equal(isWanted(run, every, []), false, 'a job that chose nothing');
    const members = [record('p-1', { status: 'idle', batch: 'nightly' }), record('p-2', { status: 'idle', batch: 'nightly' })];
    const batch = eventFor(members[1], 'running', members)!;
    assert.equal(isWanted(batch, only('label:nightly')), true, 'a batch by its label');
    assert.equal(isWanted(batch, only('p-*')), false);
    assert.equal(isWanted(heldBackEvent([run], T0), only('nothing-matches')), true, 'a summary of what was held goes');
  });

  it('a summary of what a rate limit held back', () => {
    const held = ['a', 'b', 'a'].map((name, index) => eventFor(record(name, { status: index === 1 ? 'waiting' : 'error', statusSince: T0 + index }), 'running')!);
    const summary = heldBackEvent(held, T0 + 100);
    assert.deepEqual([summary.kind, summary.title, summary.message, summary.urgent], ['held-back', '3 more events held back', '2 error, 1 waiting (a, b)', true]);
  });
});

describe('the channels', () => {
  const event = eventFor(record('a', { status: 'waiting', statusDetail: 'question' }), 'running')!;
  const place = { workspace: '/w', link: sessionLink('vscode', 'instar.instar-sessions', '/w', 'a') };

  it('a webhook: the JSON document, signed over its exact body where a secret is set', () => {
    const signed = webhookRequest('https://example.test/hook', event, place, 'shh');
    const body = JSON.parse(signed.body) as Record<string, string>;
    assert.deepEqual([body.event, body.session, body.state, body.detail, body.workspace, body.link], ['waiting', 'a', 'waiting', 'question', '/w', 'vscode://instar.instar-sessions/open?session=a&workspace=%2Fw']);
    assert.equal(signed.headers['x-instar-signature-256'], `sha256=${createHmac('sha256', 'shh').update(signed.body).digest('hex')}`);
    assert.equal(signed.headers['x-instar-signature-256'], signature(signed.body, 'shh'));
    assert.equal(webhookRequest('https://example.test/hook', event, place).headers['x-instar-signature-256'], undefined, 'no secret, no signature');
  });

  it("ntfy: its publishing API's headers, a header-safe title, the token as Bearer", () => {
    const request = ntfyRequest('https://ntfy.sh/t', { ...event, title: 'café ✓ waits\nnow' }, place, 'tk');
    assert.deepEqual([request.headers.title, request.headers.priority, request.headers.tags, request.headers.click, request.headers.authorization], ['café ? waits now', 'high', 'raising_hand', place.link, 'Bearer tk']);
    assert.equal(request.body, 'question\n(/w)');
  });

  it('a desktop: argv for notify-send or osascript, the text never in a script', () => {
    assert.deepEqual(desktopCommand(event, 'linux'), { program: 'notify-send', args: ['--app-name=Instar Sessions', '--urgency=critical', '--', 'a is waiting for you', 'question'] });
    const mac = desktopCommand({ ...event, title: '"; do shell script "x' }, 'darwin')!;
    assert.deepEqual(mac.args.slice(-2), ['"; do shell script "x', 'question']);
    assert.ok(!mac.args.slice(0, -2).join(' ').includes('shell script'));
    assert.equal(desktopCommand(event, 'win32'), undefined);
  });

  it('from the settings: off until a URL is set; the desktop only where the host has no window', () => {
    const none = notifyConfigOf(readSettings(() => undefined), { desktop: true });
    assert.deepEqual([none.webhookUrl, none.ntfyUrl, none.desktop, none.includeText, none.maxPerMinute, none.kinds?.length], [undefined, undefined, false, false, 6, 5]);
    const values: Record<string, unknown> = { 'notify.ntfyUrl': 'https://ntfy.sh/t', 'notify.desktop': true, 'notify.events': ['waiting', 'nonsense'] };
    const set = readSettings((key) => values[key]);
    assert.deepEqual(notifyConfigOf(set, { desktop: true }).kinds, ['waiting']);
    assert.equal(notifyConfigOf(set, { desktop: true }).desktop, true);
    assert.equal(notifyConfigOf(set, { desktop: false }).desktop, false);
  });
});
