/**
 * The agent CLIs besides Claude Code, pinned in package.json and installed by the test command:
 * the environment check finds each with its version (and says what to install for one that is
 * missing), and each runs offline against its fake API on loopback (Codex against a fake
 * OpenAI Responses API, Gemini CLI against a fake Gemini API), the ground the Codex and Gemini
 * agent kinds stand on.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AGENT_CLIS, describeAgentClis, surveyAgentClis } from '../../src/core/agent/agentClis';
import { launchArgv } from '../../src/core/agent/launchSpec';
import { PERMISSION_MODES } from '../../src/core/model/permissionMode';
import { ExecaRunner } from '../../src/core/util/commandRunner';
import { runCli } from '../../src/cli/instarCli';
import { REPO } from '../support/engineHarness';
import { FakeGeminiApi } from '../support/fakeGeminiApi';
import { FakeResponsesApi } from '../support/fakeResponsesApi';

const BIN = join(REPO, 'node_modules', '.bin');
const PINNED = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Any host but loopback goes through a proxy that is not there: the CLIs reach their fake API only. */
const OFFLINE = { HTTPS_PROXY: 'http://127.0.0.1:9', HTTP_PROXY: 'http://127.0.0.1:9', https_proxy: 'http://127.0.0.1:9', http_proxy: 'http://127.0.0.1:9', NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost' };

function run(file: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { env: { ...env, ...OFFLINE }, cwd, timeout: 120_000 }, (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }));
    child.stdin?.end();
  });
}

describe('agent CLIs: found, with their versions, and offline against fake APIs', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'instar-agent-clis-'));
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('finds Claude Code, Codex and Gemini CLI with the versions pinned in package.json', async () => {
    const found = await surveyAgentClis(new ExecaRunner(), { envPath: BIN, fallbackDirs: [] });
    assert.deepEqual(
      found.map(({ kind, path, version, problem }) => ({ kind, path, version, problem })),
      AGENT_CLIS.map((cli) => ({ kind: cli.kind, path: join(BIN, cli.program), version: PINNED[cli.npmPackage], problem: undefined })),
    );
    assert.match(describeAgentClis(found).join('\n'), new RegExp(`✓ Codex ${PINNED['@openai/codex'].replace(/\./g, '\\.')} \\(`));
  });

  it('takes every permission flag a session of each permission mode is started with (their values as the pinned --help lists them)', async () => {
    const helps = { codex: (await run(join(BIN, 'codex'), ['--help'], process.env, root)).stdout, gemini: (await run(join(BIN, 'gemini'), ['--help'], process.env, root)).stdout };
    for (const mode of PERMISSION_MODES) {
      for (const kind of ['codex', 'gemini'] as const) {
        const argv = launchArgv({ agentCommand: kind, agentKind: kind, sessionId: 'id', model: 'default', permissionMode: mode, settingsFile: undefined, statusFile: '/s', extraArgs: [], prompt: undefined, env: {} });
        const flags = argv.slice(argv.indexOf(kind) + 1);
        for (let i = 0; i < flags.length; i++) {
          if (!flags[i].startsWith('--') || flags[i] === '--session-id') continue;
          assert.ok(helps[kind].includes(flags[i]), `${kind} ${mode}: ${flags[i]} is one of its options`);
          const value = flags[i + 1];
          if (value !== undefined && !value.startsWith('-') && ['--ask-for-approval', '--sandbox', '--approval-mode'].includes(flags[i])) {
            assert.match(helps[kind], new RegExp(`\\b${value}\\b`), `${kind} ${mode}: ${flags[i]} ${value} is one of its values`);
          }
        }
      }
    }
  });

  it('says what to install for a CLI that is missing, and which program is not the CLI it was given as', async () => {
    const impostor = join(root, 'not-claude');
    await writeFile(impostor, '#!/bin/sh\necho "usage: not-claude" >&2\nexit 2\n');
    await chmod(impostor, 0o755);
    const found = await surveyAgentClis(new ExecaRunner(), { envPath: join(root, 'empty'), fallbackDirs: [], commands: { claude: impostor } });
    const byKind = new Map(found.map((cli) => [cli.kind, cli]));
    assert.match(byKind.get('claude')!.problem!, /did not tell its version \(exit status 2: usage: not-claude\).*npm install -g @anthropic-ai\/claude-code/);
    assert.match(byKind.get('codex')!.problem!, /not found: "codex" is not on PATH.*npm install -g @openai\/codex/);
    assert.match(byKind.get('gemini')!.problem!, /not found: "gemini" is not on PATH.*npm install -g @google\/gemini-cli/);
    assert.equal(byKind.get('codex')!.path, undefined);
  });

  it('instar doctor prints tmux and each CLI, and exits 0 when they are there', async () => {
    let out = '';
    const code = await runCli(['doctor'], { env: { PATH: `${BIN}:${process.env.PATH ?? ''}` }, cwd: root, out: (text) => (out += `${text}\n`), err: (text) => (out += `${text}\n`), stdin: async () => '' });
    assert.equal(code, 0, out);
    assert.match(out, /^✓ tmux \d+\.\d+/m);
    for (const cli of AGENT_CLIS) assert.match(out, new RegExp(`^✓ ${cli.displayName} ${PINNED[cli.npmPackage].replace(/\./g, '\\.')} \\(${join(BIN, cli.program)}\\)$`, 'm'));
  });

  it('Codex answers from the fake Responses API (every other host behind a proxy that is not there)', async () => {
    const api = await FakeResponsesApi.start((request) => ({ kind: 'text', text: `Codex heard: ${request.lastUserText}` }));
    try {
      const home = join(root, 'codex-home');
      const cwd = join(root, 'codex-project');
      await mkdir(home, { recursive: true });
      await mkdir(cwd, { recursive: true });
      const result = await run(
        join(BIN, 'codex'),
        ['exec', '--skip-git-repo-check', '-c', 'model_provider="fake"', '-c', `model_providers.fake={name="fake",base_url="${api.url}",env_key="OPENAI_API_KEY",wire_api="responses"}`, '-c', 'model="gpt-5.5"', 'Name a colour'],
        { PATH: process.env.PATH, HOME: home, OPENAI_API_KEY: 'sk-fake' },
        cwd,
      );
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /Codex heard: Name a colour/);
      assert.deepEqual(api.userPrompts(), ['Name a colour']);
    } finally {
      await api.close();
    }
  });

  it('Gemini CLI answers from the fake Gemini API (every other host behind a proxy that is not there)', async () => {
    const api = await FakeGeminiApi.start((request) => ({ kind: 'text', text: `Gemini heard: ${request.lastUserText}` }));
    try {
      // Not under /tmp: Gemini CLI skips settings in a folder that others may write.
      const home = await mkdtemp(join(homedir(), '.cache', 'instar-test-gemini-'));
      try {
        const cwd = join(root, 'gemini-project');
        await mkdir(join(home, '.gemini'), { recursive: true });
        await mkdir(cwd, { recursive: true });
        await writeFile(join(home, '.gemini', 'settings.json'), JSON.stringify({ security: { auth: { selectedType: 'gemini-api-key' } } }));
        const result = await run(join(BIN, 'gemini'), ['-m', 'gemini-2.5-pro', '--skip-trust', '-p', 'Name a shape'], { PATH: process.env.PATH, HOME: home, GEMINI_API_KEY: 'fake', GOOGLE_GEMINI_BASE_URL: api.url }, cwd);
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stdout, /Gemini heard: Name a shape/);
        assert.deepEqual(api.userPrompts(), ['Name a shape']);
      } finally {
        await rm(home, { recursive: true, force: true });
      }
    } finally {
      await api.close();
    }
  });
});
