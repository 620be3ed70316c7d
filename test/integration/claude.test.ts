/**
 * The real Claude Code CLI in real tmux, talking to a fake Messages API on loopback: every state
 * the engine reports, and how long it took to be seen, for each version of the supported range
 * (the pinned oldest and those of test/claude-versions.json; see support/claudeVersions.ts).
 */
import assert from 'node:assert/strict';
import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApiServer } from '../../src/core/http/apiServer';
import { generateToken } from '../../src/core/http/instarConfig';
import type { SessionRecord } from '../../src/core/model/sessionRecord';
import { silentLogger } from '../../src/core/util/host';
import type { ClaudeHome } from '../support/claudeEnv';
import { ClaudeRig, startClaudeRig } from '../support/claudeRig';
import { claudesUnderTest } from '../support/claudeVersions';
import type { Harness } from '../support/engineHarness';
import type { FakeMessagesApi } from '../support/fakeMessagesApi';
import { tmuxOn } from '../support/tmuxServer';
import { waitFor, waitForStatus } from '../support/wait';

/** A paste's text as the model got it, without the wrapper Claude Code 2.1.331 and later put around it. */
function unwrapPaste(text: string): string {
  const match = /^<pasted_content id="([^"]*)">\n?([\s\S]*?)\n?<\/pasted_content id="\1">$/.exec(text);
  return match ? match[2] : text;
}

const STATE_TIMEOUT = 90_000;

for (const { label, binary } of claudesUnderTest()) claudeSuite(label, binary);

/** The whole scenario against one Claude Code binary. */
function claudeSuite(version: string, binary: string): void {
  describe(`real Claude Code sessions (${version})`, () => {
    let h: Harness;
    let api: FakeMessagesApi;
    let home: ClaudeHome;
    let cwd: string;
    /** Every status the engine reported, per session, in order. */
    const seen = new Map<string, { status: string; signal: string; at: number }[]>();
    const timings: string[] = [];

    const statuses = (name: string) => (seen.get(name) ?? []).map((entry) => entry.status);
    /** Waits for a status and records how long it took from `since`. */
    async function expectStatus(name: string, status: SessionRecord['status'], label: string, since = performance.now()): Promise<SessionRecord> {
      const { record } = await waitForStatus(h.engine, name, status, STATE_TIMEOUT);
      const ms = Math.round(performance.now() - since);
      timings.push(`${label}: ${ms} ms (${record.statusSignal}${record.statusDetail ? `: ${record.statusDetail}` : ''})`);
      return record;
    }

    let rig: ClaudeRig;
    before(async () => {
      rig = await startClaudeRig('claude', binary, 500);
      ({ h, api, home, cwd } = rig);
      h.engine.onDidChange((change) => {
        for (const record of change.changed) {
          const list = seen.get(record.name) ?? [];
          if (list[list.length - 1]?.status !== record.status) list.push({ status: record.status, signal: record.statusSignal, at: Date.now() });
          seen.set(record.name, list);
        }
      });
    });

    after(async () => {
      console.log(`Status changes seen with Claude Code ${version} (from the action to the engine's event):\n  ${timings.join('\n  ')}`);
      await h.dispose();
      await api.close();
      await home.dispose();
    });

    it('spawn with a prompt: starting → running → idle, with the prompt arriving byte for byte', async () => {
      const prompt = `Say hello. $(touch pwned); "q" 'q' \\ ;\nsecond line\twith a tab`;
      const started = performance.now();
      const record = await h.engine.spawn({ name: 'first', prompt, cwd });
      assert.equal(record.status, 'starting');
      await expectStatus('first', 'running', 'spawn → running', started);
      const idle = await expectStatus('first', 'idle', 'spawn → idle', started);
      assert.equal(idle.statusSignal, 'hook');
      assert.deepEqual(statuses('first').slice(0, 3), ['starting', 'running', 'idle']);
      assert.equal(idle.claudeSessionId, record.id, 'claude took our --session-id');
      assert.ok(idle.transcriptPath?.endsWith('.jsonl'), 'the transcript path came from the hooks');
      assert.ok(api.userPrompts().includes(prompt), `the API received the prompt as typed; got ${JSON.stringify(api.userPrompts())}`);
      // The Stop hook can come before Claude Code has drawn the answer.
      await waitFor('the answer on screen', async () => /Answer to: Say hello/.test(await h.engine.output('first', { lines: 50 })), 10_000);
    });

    it('a follow-up: idle → running → idle', async () => {
      const sent = performance.now();
      await h.engine.sendInput('first', 'And now a follow-up, please.');
      await expectStatus('first', 'running', 'follow-up → running', sent);
      await expectStatus('first', 'idle', 'follow-up → idle', sent);
      assert.ok(api.userPrompts().includes('And now a follow-up, please.'));
      // The result is the text the fake API sent as the last reply, from Claude Code's Stop hook.
      const result = await h.engine.result('first');
      assert.equal(result.answer, 'Answer to: And now a follow-up, please.');
      assert.ok(api.replies.some((reply) => reply.kind === 'text' && reply.text === result.answer));
      assert.equal(result.turns, 2);
      assert.equal(h.engine.get('first')?.turns, 2);
    });

    it('an API error: running → error, and the next turn recovers', async () => {
      const sent = performance.now();
      await h.engine.sendInput('first', 'PLEASE-FAIL now');
      const failed = await expectStatus('first', 'error', 'API error → error', sent);
      assert.equal(failed.statusSignal, 'hook');
      assert.equal(failed.endedAt, undefined, 'the session is still alive');
      const failedResult = await h.engine.result('first');
      assert.deepEqual([failedResult.answer, failedResult.turns], [null, 3]);
      assert.ok(failedResult.error, 'the failed turn says why');
      const again = performance.now();
      await h.engine.sendInput('first', 'Try again calmly.');
      await expectStatus('first', 'idle', 'recovery → idle', again);
      // Claude Code sends the failed prompt again with the next one: the answer is the fake API's reply to both.
      const lastReply = api.replies[api.replies.length - 1];
      assert.equal(lastReply.kind, 'text');
      assert.equal((await h.engine.result('first')).answer, lastReply.kind === 'text' ? lastReply.text : undefined);
      assert.match(lastReply.kind === 'text' ? lastReply.text : '', /Try again/);
    });

    it('a 100 KiB prompt with TABs, quotes and $(…) goes in argv (from a file) and arrives byte for byte', async () => {
      const prompt = Array.from({ length: 1700 }, (_, i) => `Line ${i}:\t"quotes" 'single' $(not run) ; \\ end`).join('\n').slice(0, 100 * 1024).trimEnd();
      const started = performance.now();
      const record = await h.engine.spawn({ name: 'long', prompt, cwd });
      assert.equal(record.pendingPrompt, undefined, 'not pasted');
      await expectStatus('long', 'idle', 'long prompt → idle', started);
      const received = api.userPrompts().find((text) => text.startsWith('Line 0:'));
      assert.ok(received, 'the long prompt reached the API');
      assert.equal(received.length, prompt.length, 'whole');
      assert.ok(received === prompt, 'byte for byte');
    });

    it('a prompt over 128 KiB is pasted whole once the agent is ready', async () => {
      const prompt = Array.from({ length: 3200 }, (_, i) => `Row ${i}: "quotes" 'single' $(not run) ; end`).join('\n').slice(0, 140 * 1024).trimEnd();
      const started = performance.now();
      const record = await h.engine.spawn({ name: 'longer', prompt, cwd });
      assert.equal(record.pendingPrompt, true);
      await expectStatus('longer', 'idle', 'pasted prompt → idle', started);
      const received = api.userPrompts().find((text) => text.includes('Row 0:'));
      assert.ok(received, 'the pasted prompt reached the API');
      // From 2.1.331 Claude Code wraps a paste it showed as "[Pasted text #N]"; the text inside is whole.
      assert.ok(unwrapPaste(received) === prompt, `byte for byte (${received.length} characters received, ${prompt.length} sent)`);
      await h.engine.kill('longer');
    });

    it('presses Enter again when a paste was left unsubmitted, and not after one that was taken', async () => {
      const text = 'A pasted follow-up\nwith a second line';
      const since = Date.now();
      await h.engine.sendInput('first', text, { submit: false }); // as if the Enter were lost
      await waitFor('the paste in the box', async () => /Pasted text|A pasted follow-up/.test(await h.engine.output('first', { lines: 10 })), 10_000);
      assert.equal(await h.engine.ensureSubmitted('first', since, 500), true);
      await waitFor('the prompt at the API', () => api.userPrompts().includes(text), 30_000);
      await expectStatus('first', 'idle', 'paste recovered → idle');
      const again = Date.now();
      await h.engine.sendInput('first', 'Normal follow-up\nover two lines');
      await waitFor('the prompt at the API', () => api.userPrompts().includes('Normal follow-up\nover two lines'), 30_000);
      assert.equal(await h.engine.ensureSubmitted('first', again, 500, 'Normal follow-up\nover two lines'), false, 'no second Enter, nothing typed again');
      await expectStatus('first', 'idle', 'pasted follow-up → idle');
      // Keys lost whole (nothing taken, nothing in the box): the text is typed once more.
      const lost = Date.now();
      assert.equal(await h.engine.ensureSubmitted('first', lost, 500, 'A follow-up whose keys were lost'), true);
      await waitFor('the lost follow-up at the API', () => api.userPrompts().includes('A follow-up whose keys were lost'), 30_000);
      await expectStatus('first', 'idle', 'lost follow-up typed again → idle');
      assert.equal(api.userPrompts().filter((prompt) => prompt === 'A follow-up whose keys were lost').length, 1, 'once');
    });

    it('in default permission mode a tool call waits for the user, then runs when answered', async () => {
      const started = performance.now();
      await h.engine.spawn({ name: 'asker', prompt: 'USE-A-TOOL to print a marker', cwd, permissionMode: 'default' });
      const waiting = await expectStatus('asker', 'waiting', 'tool call → waiting', started);
      assert.match(waiting.statusDetail ?? '', /permission|Bash/);
      await waitFor('the permission dialog', async () => /Do you want to proceed/.test(await h.engine.output('asker', { lines: 30 })), 30_000);
      const dialog = await h.engine.dialog('asker');
      assert.equal(dialog?.kind, 'permission');
      assert.ok(dialog?.options.some((option) => option.label === 'No'), `the options: ${JSON.stringify(dialog?.options)}`);
      const answered = performance.now();
      await h.engine.answer('asker', 'Yes');
      await expectStatus('asker', 'running', 'answered → running', answered);
      await expectStatus('asker', 'idle', 'answered → idle', answered);
      await waitFor('the tool to have run', () => access(join(cwd, 'tool-ran-ok.txt')).then(() => true), 10_000);
    });

    it('a turn interrupted with Escape (no Stop hook) is seen idle from the screen', async () => {
      const sent = performance.now();
      await h.engine.sendInput('asker', 'TAKE-YOUR-TIME with this one');
      await expectStatus('asker', 'running', 'slow turn → running', sent);
      await h.engine.sendKeys('asker', ['Escape']);
      const escaped = performance.now();
      const idle = await expectStatus('asker', 'idle', 'Escape → idle', escaped);
      assert.ok(['screen', 'hook'].includes(idle.statusSignal));
    });

    it('a first-run dialog (trust this folder) is waiting for the user; answering it lets the prompt run', async () => {
      const untrusted = join(h.root, 'not-yet-trusted');
      await mkdir(untrusted);
      const started = performance.now();
      await h.engine.spawn({ name: 'newcomer', prompt: 'Hello from a new folder', cwd: untrusted });
      const waiting = await expectStatus('newcomer', 'waiting', 'trust dialog → waiting', started);
      assert.equal(waiting.statusSignal, 'screen');
      assert.match(waiting.statusDetail ?? '', /trust/);
      // Answered through the HTTP API, as a script or another agent would.
      const token = generateToken();
      const server = new ApiServer(h.engine, { port: 0, token, cwd, version: 'test', logger: silentLogger });
      const base = `http://127.0.0.1:${await server.start()}/sessions/newcomer`;
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const answered = performance.now();
      try {
        const { dialog } = (await (await fetch(`${base}/dialog`, { headers })).json()) as { dialog: { kind: string; options: { label: string }[] } };
        assert.equal(dialog.kind, 'setup');
        assert.deepEqual(dialog.options.map((option) => option.label).sort(), ['No, exit', 'Yes, I trust this folder'], 'offered by label, whatever the version puts first');
        const wrong = await fetch(`${base}/answer`, { method: 'POST', headers, body: JSON.stringify({ option: 'Maybe' }) });
        assert.equal(wrong.status, 400);
        assert.match(((await wrong.json()) as { error: string }).error, /offers no option "Maybe".*"Yes, I trust this folder"/);
        const right = await fetch(`${base}/answer`, { method: 'POST', headers, body: JSON.stringify({ option: 'Yes, I trust this folder' }) });
        assert.equal(right.status, 200);
      } finally {
        await server.stop();
      }
      await expectStatus('newcomer', 'idle', 'trusted → idle', answered);
      assert.ok(api.userPrompts().includes('Hello from a new folder'));
      await h.engine.kill('newcomer');
    });

    it('/exit: completed with exit status 0', async () => {
      const sent = performance.now();
      await h.engine.sendInput('first', '/exit');
      const done = await expectStatus('first', 'completed', '/exit → completed', sent);
      assert.equal(done.exitCode, 0);
      assert.equal(done.statusSignal, 'exit');
      await assert.rejects(h.engine.sendInput('first', 'hello?'), /has ended \(completed, exit status 0\).*claude --resume/);
    });

    it('kill: killed, and the output stays readable', async () => {
      const asked = performance.now();
      const killed = await h.engine.kill('long');
      assert.equal(killed.status, 'killed');
      timings.push(`kill → killed: ${Math.round(performance.now() - asked)} ms`);
      assert.match(await h.engine.output('long', { lines: 200 }), /Line 0|Pasted text|Answer to/);
    });

    it('tmux server killed: lost', async () => {
      assert.equal(h.engine.get('asker')?.endedAt, undefined);
      const firstBefore = await h.engine.result('first');
      assert.ok(firstBefore.answer, 'first has an answer before the server goes');
      const killedAt = performance.now();
      tmuxOn(h.socket, 'kill-server');
      const lost = await expectStatus('asker', 'lost', 'server killed → lost', killedAt);
      assert.match(lost.statusDetail ?? '', /vanished/);
      // What each said last outlives its tmux server: the answer after its tool call, and first's after /exit.
      const asked = await h.engine.result('asker');
      assert.deepEqual([asked.answer, asked.status], ['The tool ran; done.', 'lost']);
      assert.equal((await h.engine.result('first')).answer, firstBefore.answer);
    });
  });
}
