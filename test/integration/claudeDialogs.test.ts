/**
 * Answering the real Claude Code's dialogs, for each version of the supported range: every
 * option of a Bash permission dialog chosen through the HTTP API and through the `instar`
 * command line (the palette's is in the VS Code suite). The tool runs exactly when the option
 * allows it (the file on disk says so), a lasting choice ("don't ask again", auto mode) shows
 * on the next call, and the last answer of a four-answer question reaches the model.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApiServer } from '../../src/core/http/apiServer';
import { generateToken } from '../../src/core/http/instarConfig';
import type { SessionStatus } from '../../src/core/model/sessionRecord';
import { silentLogger } from '../../src/core/util/host';
import { ClaudeHome, makeClaudeHome } from '../support/claudeEnv';
import { ClaudeRig, startClaudeRig } from '../support/claudeRig';
import { claudesUnderTest } from '../support/claudeVersions';
import { REPO } from '../support/engineHarness';
import { waitFor, waitForSession, waitForStatus } from '../support/wait';

const STATE_MS = 90_000;
const CLI = join(REPO, 'dist', 'cli.js');
type Channel = 'api' | 'cli';
type Choice = 'yes' | 'always' | 'auto' | 'no';
const CHANNELS: Channel[] = ['api', 'cli'];
const CHOICES: Choice[] = ['yes', 'always', 'auto', 'no'];

/** The option of the dialog each choice means; undefined where the version has none (auto mode before 2.1.260). */
const OPTION: Record<Choice, RegExp> = { yes: /^Yes$/, always: /^Yes, and don.t ask again for: sh mark\.sh$/, auto: /^Yes, and switch to auto mode/, no: /^No$/ };

for (const { label, binary } of claudesUnderTest()) dialogSuite(label, binary);

function dialogSuite(version: string, binary: string): void {
  describe(`answering real Claude Code dialogs (${version})`, () => {
    let rig: ClaudeRig;
    let home: ClaudeHome;
    let server: ApiServer;
    let base: string;
    const token = generateToken();
    const folder = (name: string) => join(rig.h.root, name);
    /** Every status each session went through, in order. */
    const seen = new Map<string, SessionStatus[]>();
    const timings: string[] = [];

    const answerThrough = async (channel: Channel, name: string, option: string): Promise<string> => {
      if (channel === 'api') {
        const response = await fetch(`${base}/sessions/${name}/answer`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ option }) });
        const body = (await response.json()) as { answered?: string; outcome?: string; error?: string };
        assert.equal(response.status, 200, `${name}: ${body.error}`);
        assert.equal(body.answered, option);
        return body.outcome!;
      }
      const run = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, [CLI, 'answer', name, option], { env: { ...process.env, INSTAR_SERVER_URL: base, INSTAR_AUTH_TOKEN: token } }, (error, stdout, stderr) =>
          resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
        );
      });
      assert.equal(run.code, 0, `${name}: instar answer failed: ${run.stderr}`);
      const said = /^Answered "(.*)" in \S+(: the tool call (is allowed|was refused and did not run))?\.\n$/.exec(run.stdout);
      assert.ok(said, `instar answer said: ${JSON.stringify(run.stdout)}`);
      assert.equal(said[1], option);
      return said[3] === 'is allowed' ? 'allowed' : said[3] ? 'refused' : 'chosen';
    };

    /** The session's dialog, once drawn (the hook comes a moment before). */
    const dialogOf = (name: string) => waitFor(`${name}'s dialog`, () => rig.h.engine.dialog(name), STATE_MS, 100);
    const marks = async (name: string) => (existsSync(join(folder(name), 'marks.txt')) ? (await readFile(join(folder(name), 'marks.txt'), 'utf8')).split('\n').filter(Boolean).length : 0);

    before(async () => {
      rig = await startClaudeRig('dialogs', binary, 250);
      const names = [...CHANNELS.flatMap((channel) => CHOICES.map((choice) => `${channel}-${choice}`)), 'question'];
      for (const name of names) {
        await mkdir(folder(name));
        // Each its own project: "don't ask again" writes its rule into the project's settings.
        await writeFile(join(folder(name), 'mark.sh'), 'echo mark >> marks.txt\n');
      }
      home = await makeClaudeHome({ baseUrl: rig.api.url, trustedDirs: names.map(folder) });
      rig.h.engine.configure({ agentEnv: home.env });
      rig.h.engine.onDidChange((change) => {
        for (const record of change.changed) {
          const list = seen.get(record.name) ?? [];
          if (list[list.length - 1] !== record.status) list.push(record.status);
          seen.set(record.name, list);
        }
      });
      server = new ApiServer(rig.h.engine, { port: 0, token, cwd: rig.cwd, version: 'test', logger: silentLogger });
      base = `http://127.0.0.1:${await server.start()}`;
    });

    after(async () => {
      console.log(`Answers with Claude Code ${version} (from the answer asked to its confirmation):\n  ${timings.join('\n  ')}`);
      await server.stop();
      await rig.dispose();
      await home.dispose();
    });

    /** One session: the dialog for `sh mark.sh`, the choice through the channel, then what it left and its next call. */
    async function scenario(channel: Channel, choice: Choice): Promise<void> {
      const name = `${channel}-${choice}`;
      const { engine } = rig.h;
      await engine.spawn({ name, prompt: 'RUN-MARK please', cwd: folder(name), permissionMode: 'default' });
      await waitForStatus(engine, name, 'waiting', STATE_MS);
      const dialog = await dialogOf(name);
      assert.equal(dialog.kind, 'permission');
      assert.match(dialog.toolAsk ?? '', /^Bash: sh mark\.sh$/, 'what it asks, from the hook');
      const option = dialog.options.find((o) => OPTION[choice].test(o.label));
      if (!option) {
        assert.ok(choice === 'auto' && version.startsWith('2.1.197'), `${name}: no option for ${choice} in ${JSON.stringify(dialog.options.map((o) => o.label))}`);
        await engine.kill(name);
        return;
      }
      const asked = performance.now();
      const outcome = await answerThrough(channel, name, option.label);
      timings.push(`${name} "${option.label.slice(0, 40)}": ${outcome} in ${Math.round(performance.now() - asked)} ms`);
      assert.equal(outcome, choice === 'no' ? 'refused' : 'allowed');
      await waitForStatus(engine, name, 'idle', STATE_MS);
      if (choice === 'no') {
        assert.equal(await marks(name), 0, 'refused: the command did not run');
        assert.equal(engine.get(name)?.toolCalls ?? 0, 0, 'no PostToolUse');
        return;
      }
      await waitForSession(engine, name, `${name}'s mark`, async () => (await marks(name)) === 1, STATE_MS);
      // The next call shows what the choice left behind.
      const before = seen.get(name)!.length;
      await engine.sendInput(name, choice === 'always' ? 'RUN-MARK again' : 'TOUCH-A-FILE now');
      if (choice === 'yes') {
        // Allowed once: the next call asks again; refused, its file is never made.
        await waitForStatus(engine, name, 'waiting', STATE_MS);
        await dialogOf(name);
        assert.equal(await answerThrough(channel, name, 'No'), 'refused');
        await waitForStatus(engine, name, 'idle', STATE_MS);
        assert.equal(existsSync(join(folder(name), 'touched.txt')), false);
        return;
      }
      await waitForSession(engine, name, `${name}'s next call to run`, async () => (choice === 'always' ? (await marks(name)) === 2 : existsSync(join(folder(name), 'touched.txt'))), STATE_MS);
      await waitForStatus(engine, name, (record) => record.status === 'idle' && (record.turns ?? 0) >= 2, STATE_MS);
      assert.ok(!seen.get(name)!.slice(before).includes('waiting'), `${name}: the next call ran without asking (${seen.get(name)!.slice(before).join(' → ')})`);
    }

    for (const channel of CHANNELS) {
      it(`every option of a Bash permission dialog through the ${channel === 'api' ? 'HTTP API' : 'instar command'}: the tool runs exactly when allowed`, async () => {
        await Promise.all(CHOICES.map((choice) => scenario(channel, choice)));
      });
    }

    it('the last of four answers to a question reaches the model', async () => {
      const { engine } = rig.h;
      await engine.spawn({ name: 'question', prompt: 'ASK-A-QUESTION please', cwd: folder('question'), permissionMode: 'default' });
      await waitForStatus(engine, 'question', 'waiting', STATE_MS);
      const dialog = await dialogOf('question');
      assert.equal(dialog.kind, 'question');
      assert.deepEqual(dialog.options.slice(0, 4).map((o) => o.label), ['Red', 'Green', 'Blue', 'Purple']);
      assert.match(dialog.toolAsk ?? '', /^Which colour should the button be\? \(Red \/ Green \/ Blue \/ Purple\)$/);
      assert.equal(await answerThrough('api', 'question', 'Purple'), 'chosen');
      const reply = await waitFor('the answer at the API', () => rig.api.requests.find((request) => request.hasToolResult && /Purple/.test(request.toolResultText)), STATE_MS);
      assert.doesNotMatch(reply.toolResultText, /Red|Green|Blue/);
      await waitForStatus(engine, 'question', 'idle', STATE_MS);
    });
  });
}
