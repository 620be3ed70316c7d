/**
 * Gemini CLI as an agent kind: the real CLI (pinned) in tmux against the fake Gemini API, its
 * state told by its own hooks (given through a Gemini home of the workspace's own, the user's
 * settings untouched), with no first-run dialog.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Harness, REPO, startHarness } from '../support/engineHarness';
import { FakeGeminiApi } from '../support/fakeGeminiApi';
import { waitFor, waitForStatus } from '../support/wait';

const GEMINI = join(REPO, 'node_modules', '.bin', 'gemini');
const STATE_TIMEOUT = 90_000;

describe('Gemini CLI sessions (the real CLI, the fake Gemini API)', () => {
  let h: Harness;
  let api: FakeGeminiApi;
  let root: string;
  let cwd: string;
  let userSettings: string;

  before(async () => {
    api = await FakeGeminiApi.start((request) => ({ kind: 'text', text: `Gemini heard: ${request.lastUserText}` }));
    root = await mkdtemp(join(tmpdir(), 'instar-gemini-'));
    cwd = join(root, 'project');
    await mkdir(cwd, { recursive: true });
    await mkdir(join(root, 'home', '.gemini'), { recursive: true });
    // The user's own settings: an API key login, as a user of the API has.
    userSettings = join(root, 'home', '.gemini', 'settings.json');
    await writeFile(userSettings, JSON.stringify({ security: { auth: { selectedType: 'gemini-api-key' } } }));
    h = await startHarness('gemini', {
      agentCommand: GEMINI,
      agentEnv: { HOME: join(root, 'home'), GEMINI_API_KEY: 'fake-key', GOOGLE_GEMINI_BASE_URL: api.url, HTTPS_PROXY: 'http://127.0.0.1:9', HTTP_PROXY: 'http://127.0.0.1:9', NO_PROXY: '127.0.0.1,localhost' },
    });
  });
  after(async () => {
    await h?.dispose();
    await api?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('spawns with a prompt: starting → running → idle with its answer, from its hooks; a follow-up; kill', async () => {
    const before = await readFile(userSettings, 'utf8');
    const record = await h.engine.spawn({ name: 'gm-one', prompt: 'Name a colour', model: 'gemini-2.5-flash', cwd });
    assert.equal(record.agentKind, 'gemini');
    const idle = (await waitForStatus(h.engine, 'gm-one', (current) => current.status === 'idle' && current.lastAnswer !== undefined, STATE_TIMEOUT)).record;
    assert.equal(idle.statusSignal, 'hook', 'idle from the AfterAgent hook');
    assert.equal(idle.lastAnswer, 'Gemini heard: Name a colour');
    assert.equal(idle.claudeSessionId, record.id, 'our id is its conversation\'s');
    assert.ok(idle.transcriptPath?.includes('.gemini/tmp/'), `its chat file: ${idle.transcriptPath}`);
    await h.engine.sendInput('gm-one', 'And a shape');
    await waitForStatus(h.engine, 'gm-one', (current) => current.status === 'idle' && current.lastAnswer === 'Gemini heard: And a shape', STATE_TIMEOUT);
    assert.deepEqual(api.userPrompts(), ['Name a colour', 'And a shape']);
    assert.equal(await readFile(userSettings, 'utf8'), before, "the user's settings untouched");
    await h.engine.kill('gm-one');
    await waitFor('killed', () => h.engine.get('gm-one')?.status === 'killed', 30_000);
  });
});
