/**
 * A real Claude Code (the newest of the matrix, on the fake Messages API) asks before it runs a
 * tool: exactly one "waiting" notification reaches the webhook, with what it is and no more text
 * than allowed; the answer and the turn's end send nothing. With the text allowed, it says what
 * the tool would run.
 */
import assert from 'node:assert/strict';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { engineNotifier, RemoteNotifier } from '../../src/core/notify/notifier';
import { silentLogger } from '../../src/core/util/host';
import { ClaudeRig, startClaudeRig } from '../support/claudeRig';
import { claudesUnderTest } from '../support/claudeVersions';
import { waitFor, waitForStatus } from '../support/wait';

const { label, binary } = claudesUnderTest().at(-1)!;

describe(`notifications of a real Claude Code that asks (${label})`, () => {
  let rig: ClaudeRig;
  let server: Server;
  let url: string;
  const bodies: { path: string; body: Record<string, string> }[] = [];
  let notifier: RemoteNotifier;

  before(async () => {
    rig = await startClaudeRig('claude-notify', binary, 250);
    server = createServer((request, response) => {
      let text = '';
      request.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      request.on('end', () => {
        bodies.push({ path: request.url ?? '', body: JSON.parse(text) as Record<string, string> });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { engine } = rig.h;
    notifier = engineNotifier(engine, { stateDir: rig.h.stateDir, workspace: rig.cwd, logger: silentLogger });
  });
  after(async () => {
    notifier.dispose();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await rig.dispose();
  });

  for (const includeText of [false, true]) {
    it(`one "waiting" for a permission, nothing for its answer or the turn's end${includeText ? ', with the text allowed' : ''}`, async () => {
      const { engine } = rig.h;
      const name = includeText ? 'asks-text' : 'asks';
      const path = `/hook/${name}`;
      notifier.configure({ webhookUrl: `${url}${path}`, includeText });
      notifier.setLeading(true);
      await engine.spawn({ name, prompt: 'USE-A-TOOL please', cwd: rig.cwd, permissionMode: 'default' });
      await waitForStatus(engine, name, 'waiting', 90_000);
      const [waiting] = await waitFor('the notification', () => (bodies.some((entry) => entry.path === path) ? bodies.filter((entry) => entry.path === path) : undefined), 20_000, 50);
      assert.deepEqual([waiting.body.event, waiting.body.session, waiting.body.state, waiting.body.detail, waiting.body.title], ['waiting', name, 'waiting', 'permission: Bash', `${name} is waiting for you`]);
      if (includeText) assert.match(waiting.body.message, /touch tool-ran-ok\.txt/, 'what it would run, where allowed');
      else assert.doesNotMatch(waiting.body.message, /touch/, 'no command line unless allowed');
      await waitFor(`${name}'s dialog`, () => engine.dialog(name), 30_000, 100);
      await engine.answer(name, 'Yes');
      await waitForStatus(engine, name, (record) => record.status === 'idle' && (record.turns ?? 0) >= 1, 90_000);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      assert.deepEqual(bodies.filter((entry) => entry.path === path).map((entry) => entry.body.event), ['waiting'], 'exactly one');
      notifier.setLeading(false);
    });
  }
});
