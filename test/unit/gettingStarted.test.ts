/**
 * What a newcomer's first hour reads: how Claude Code will sign in (from a real HOME's files and
 * the agent's environment), and the milestones the walkthrough marks done from the records.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { claudeSignIn, SIGN_IN_ADVICE } from '../../src/core/agent/claudeSignIn';
import { milestonesOf } from '../../src/core/model/milestones';

describe('how Claude Code signs in', () => {
  it('reads the environment first, then its login, its stored key, its apiKeyHelper; says what to do when there is none', async () => {
    const home = await mkdtemp(join(tmpdir(), 'instar-signin-'));
    try {
      const linux = { home, platform: 'linux' as const };
      assert.deepEqual(await claudeSignIn({ HOME: home }, linux), { advice: SIGN_IN_ADVICE });
      assert.match(SIGN_IN_ADVICE, /\/login.*ANTHROPIC_API_KEY.*instar\.agent\.environment/);
      assert.equal((await claudeSignIn({ HOME: home, ANTHROPIC_API_KEY: 'sk-x' }, linux)).how, 'an API key from ANTHROPIC_API_KEY');
      assert.equal((await claudeSignIn({ HOME: home, ANTHROPIC_API_KEY: '' }, linux)).how, undefined, 'an empty variable signs nothing in');
      assert.match((await claudeSignIn({ HOME: home, CLAUDE_CODE_USE_BEDROCK: '1', ANTHROPIC_API_KEY: 'sk-x' }, linux)).how ?? '', /Bedrock/);
      // What the onboarding leaves without a login: an account-less ~/.claude.json.
      await writeFile(join(home, '.claude.json'), JSON.stringify({ hasCompletedOnboarding: true, theme: 'dark' }));
      assert.equal((await claudeSignIn({ HOME: home }, linux)).how, undefined);
      await mkdir(join(home, '.claude'));
      await writeFile(join(home, '.claude', 'settings.json'), JSON.stringify({ apiKeyHelper: '~/bin/key.sh' }));
      assert.equal((await claudeSignIn({ HOME: home }, linux)).how, 'its apiKeyHelper (~/bin/key.sh)');
      await writeFile(join(home, '.claude.json'), JSON.stringify({ primaryApiKey: 'sk-stored' }));
      assert.equal((await claudeSignIn({ HOME: home }, linux)).how, 'the API key it stored at its login');
      await writeFile(join(home, '.claude', '.credentials.json'), '{}');
      assert.equal((await claudeSignIn({ HOME: home }, linux)).how, 'its login (claude /login)');
      // CLAUDE_CONFIG_DIR moves what it reads.
      const elsewhere = join(home, 'config');
      await mkdir(elsewhere);
      assert.equal((await claudeSignIn({ HOME: home, CLAUDE_CONFIG_DIR: elsewhere }, linux)).how, undefined);
      await writeFile(join(elsewhere, '.claude.json'), JSON.stringify({ oauthAccount: { emailAddress: 'a@b.c' } }));
      assert.equal((await claudeSignIn({ HOME: home, CLAUDE_CONFIG_DIR: elsewhere }, linux)).how, undefined, 'an account with no credentials file on Linux is logged out');
      assert.match((await claudeSignIn({ HOME: home, CLAUDE_CONFIG_DIR: elsewhere }, { home, platform: 'darwin' })).how ?? '', /Keychain/);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});

describe('the milestones of a team', () => {
  it('are reached by what the records show, however it was done', () => {
    assert.deepEqual([...milestonesOf([])], []);
    assert.deepEqual([...milestonesOf([{ adopted: true, turns: 5 }])], ['followedUp'], 'an adopted session was not spawned here');
    assert.deepEqual([...milestonesOf([{ turns: 1 }])], ['spawned'], 'one turn answers the prompt it came with');
    const team = milestonesOf([
      { turns: 2 },
      { turns: 1, parent: 'lead' },
      { jobSlug: 'nightly' },
    ]);
    assert.deepEqual([...team].sort(), ['followedUp', 'jobRan', 'spawned', 'steered']);
  });
});
