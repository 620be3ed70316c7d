/**
 * Codex as an agent kind (a first cut): the real Codex CLI (pinned) in tmux against the fake
 * Responses API, its state told by its own hooks (given per session with `-c`, marked trusted
 * with the hashes the installed Codex gives them), with no first-run dialog.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Harness, REPO, startHarness } from '../support/engineHarness';
import { FakeResponsesApi } from '../support/fakeResponsesApi';
import { waitFor, waitForStatus } from '../support/wait';

const CODEX = join(REPO, 'node_modules', '.bin', 'codex');
const STATE_TIMEOUT = 90_000;

describe('Codex sessions (the real CLI, the fake Responses API)', () => {
  let h: Harness;
  let api: FakeResponsesApi;
  let root: string;
  let cwd: string;

  before(async () => {
    api = await FakeResponsesApi.start((request) => ({ kind: 'text', text: `Codex heard: ${request.lastUserText}` }));
    root = await mkdtemp(join(tmpdir(), 'instar-codex-'));
    cwd = join(root, 'project');
    await mkdir(cwd, { recursive: true });
    await mkdir(join(root, 'home'), { recursive: true });
    h = await startHarness('codex', {
      agentCommand: CODEX,
      agentArgs: ['-c', 'model_provider="fake"', '-c', `model_providers.fake={name="fake",base_url="${api.url}",env_key="OPENAI_API_KEY",wire_api="responses"}`],
      agentEnv: { HOME: join(root, 'home'), OPENAI_API_KEY: 'sk-fake', HTTPS_PROXY: 'http://127.0.0.1:9', NO_PROXY: '127.0.0.1,localhost' },
    });
  });
  after(async () => {
    await h?.dispose();
    await api?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('spawns with a prompt: starting → running → idle with its answer, from its hooks; a follow-up; kill', async () => {
    const record = await h.engine.spawn({ name: 'cx-one', prompt: 'Name a colour', model: 'gpt-6-sol', cwd });
    assert.equal(record.agentKind, 'codex');
    const idle = (await waitForStatus(h.engine, 'cx-one', (current) => current.status === 'idle' && current.lastAnswer !== undefined, STATE_TIMEOUT)).record;
    assert.equal(idle.statusSignal, 'hook', 'idle from the Stop hook');
    assert.equal(idle.lastAnswer, 'Codex heard: Name a colour');
    assert.ok(idle.transcriptPath?.includes('.codex/sessions/'), `its rollout file: ${idle.transcriptPath}`);
    await h.engine.sendInput('cx-one', 'And a shape');
    await waitForStatus(h.engine, 'cx-one', (current) => current.status === 'idle' && current.lastAnswer === 'Codex heard: And a shape', STATE_TIMEOUT);
    assert.deepEqual(api.userPrompts(), ['Name a colour', 'And a shape']);
    await h.engine.kill('cx-one');
    await waitFor('killed', () => h.engine.get('cx-one')?.status === 'killed', 30_000);
  });
});
