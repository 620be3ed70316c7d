/**
 * The first-run screens a new user's real Claude Code shows, for each version of the supported
 * range: a folder it does not trust yet and no login, a key in the environment it has not been
 * told to use, and the bypass-permissions warning. Each is "waiting for you" with words that say
 * what it is and what to do; answered, the session goes on (or, with no login, waits for one).
 * (The theme picker of a first start needs Anthropic's servers before it shows: not offline.)
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { NOT_LOGGED_IN_DETAIL, SessionRecord } from '../../src/core/model/sessionRecord';
import { waitingAdvice } from '../../src/core/presentation/sessionPresentation';
import { ClaudeRig, startClaudeRig } from '../support/claudeRig';
import { claudesUnderTest } from '../support/claudeVersions';
import { waitFor, waitForStatus } from '../support/wait';

const STATE_MS = 90_000;

for (const { label, binary } of claudesUnderTest()) firstRunSuite(label, binary);

/** A HOME as a user has it once Claude Code's onboarding is done: nothing trusted, no login, no accepted warning. */
async function newcomerHome(trusted: string[] = []): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), 'instar-newcomer-'));
  const projects = Object.fromEntries(trusted.map((dir) => [dir, { hasTrustDialogAccepted: true, hasCompletedProjectOnboarding: true, allowedTools: [] }]));
  await writeFile(join(home, '.claude.json'), JSON.stringify({ hasCompletedOnboarding: true, lastOnboardingVersion: '2.1.197', numStartups: 1, projects }));
  await mkdir(join(home, '.claude'));
  await writeFile(join(home, '.claude', 'settings.json'), '{}');
  return home;
}

function firstRunSuite(version: string, binary: string): void {
  describe(`a new user's first-run screens (${version})`, () => {
    let rig: ClaudeRig;
    const homes: string[] = [];
    const folder = (name: string) => join(rig.h.root, name);

    before(async () => {
      rig = await startClaudeRig('first-run', binary, 250);
      for (const name of ['signed-out', 'with-key', 'bypass']) await mkdir(folder(name));
    });

    after(async () => {
      await rig.dispose();
      for (const home of homes) await rm(home, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    });

    /** Spawns `name` with an agent environment of its own (the engine's, for this spawn). */
    async function spawnWith(name: string, env: Record<string, string>, permissionMode: 'default' | 'bypassPermissions' = 'default'): Promise<void> {
      const base = { ...rig.home.env };
      delete base.ANTHROPIC_AUTH_TOKEN;
      rig.h.engine.configure({ agentEnv: { ...base, ...env } });
      await rig.h.engine.spawn({ name, prompt: `Hello from ${name}`, cwd: folder(name), permissionMode });
    }

    /** Waits for the dialog named `detail`, checks its words, and answers the option `label` matches. */
    async function answerSetup(name: string, detail: string, advice: RegExp, label: RegExp): Promise<void> {
      const { record } = await waitForStatus(rig.h.engine, name, (r) => r.status === 'waiting' && r.statusDetail === detail, STATE_MS);
      assert.match(waitingAdvice(record) ?? '', advice, `${name}: what to do, in words`);
      const dialog = await waitFor(`${name}'s dialog`, () => rig.h.engine.dialog(name), STATE_MS, 100);
      assert.equal(dialog.kind, 'setup');
      const option = dialog.options.find((o) => label.test(o.label));
      assert.ok(option, `${name}: no option ${label} in ${JSON.stringify(dialog.options.map((o) => o.label))}`);
      await rig.h.engine.answer(name, option.label);
    }

    it('each screen waits for the user in words, and answered, the session goes on', async () => {
      const { engine } = rig.h;
      const everySeen = new Map<string, string[]>();
      const subscription = engine.onDidChange((change) => {
        for (const record of change.changed) {
          const list = everySeen.get(record.name) ?? [];
          const state = `${record.status}${record.statusDetail ? ` (${record.statusDetail})` : ''}`;
          if (list[list.length - 1] !== state) list.push(state);
          everySeen.set(record.name, list);
        }
      });
      // No login and a folder not trusted yet: the trust dialog, then the prompt refused for the login.
      const signedOut = await newcomerHome();
      // A key in the environment, not yet accepted: Claude Code asks whether to use it.
      const withKey = await newcomerHome([folder('with-key')]);
      // A HOME of its own: two Claude Codes writing one ~/.claude.json at once can lose the other's
      // answer (a CI run saw with-key's accepted key gone, "Not logged in", as bypass accepted its warning).
      const bypassHome = await newcomerHome([folder('bypass')]);
      homes.push(signedOut, withKey, bypassHome);
      await spawnWith('signed-out', { HOME: signedOut });
      assert.match((await engine.claudeSignIn()).advice ?? '', /not logged in.*\/login.*ANTHROPIC_API_KEY/, 'the environment check says so before any session does');
      await spawnWith('with-key', { HOME: withKey, ANTHROPIC_API_KEY: 'sk-ant-api03-instar-test-key-not-real-0123456789abcdefghijklmnopqrstuv' });
      await spawnWith('bypass', { HOME: bypassHome, ANTHROPIC_AUTH_TOKEN: 'test-token-not-a-real-key' }, 'bypassPermissions');
      try {
        await Promise.all([
          (async () => {
            await answerSetup('signed-out', 'trust dialog', /trust this folder.*Answer Prompt/, /^Yes, I trust this folder$/);
            const { record } = await waitForStatus(engine, 'signed-out', (r: SessionRecord) => r.status === 'waiting' && r.statusDetail === NOT_LOGGED_IN_DETAIL, STATE_MS);
            assert.match(waitingAdvice(record) ?? '', /Log In to Claude Code/);
            // Its hook comes a moment before the screen says so.
            await waitFor('"Not logged in" on the screen', async () => /Not logged in/.test(await engine.output('signed-out', { lines: 30 })), 30_000, 200);
          })(),
          (async () => {
            await answerSetup('with-key', 'API key dialog', /API key.*Answer Prompt/, /^Yes$/);
            await waitForStatus(engine, 'with-key', (r) => r.status === 'idle' && (r.turns ?? 0) >= 1, STATE_MS);
            assert.ok(rig.api.userPrompts().includes('Hello from with-key'), 'the prompt reached the API with the key');
          })(),
          (async () => {
            await answerSetup('bypass', 'bypass-permissions warning', /Bypass Permissions mode.*Answer Prompt/, /^Yes, I accept$/);
            await waitForStatus(engine, 'bypass', (r) => r.status === 'idle' && (r.turns ?? 0) >= 1, STATE_MS);
          })(),
        ]);
      } finally {
        subscription.dispose();
        console.log(`First-run screens with Claude Code ${version}:\n  ${[...everySeen].map(([name, list]) => `${name}: ${list.join(' → ')}`).join('\n  ')}`);
      }
      for (const [name, list] of everySeen) {
        const before = list.slice(0, list.findIndex((state) => state.startsWith('waiting')));
        assert.ok(before.every((state) => state.startsWith('starting')), `${name}: neither idle nor running before its screen was answered (${list.join(' → ')})`);
      }
    });
  });
}
