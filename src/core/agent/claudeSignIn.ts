/**
 * How Claude Code will authenticate, from what it reads itself: the environment an agent gets
 * (a key, a token, a cloud provider), then what `claude` stored at its login (its credentials
 * file, or the account and key in ~/.claude.json), then an apiKeyHelper in its user settings.
 * A fresh user who has none meets Claude Code's login screen in every session they spawn; the
 * environment check and the walkthrough say so first, with what to do.
 */
import { promises as fs } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface ClaudeSignIn {
  /** How it signs in, in words ("an API key from ANTHROPIC_API_KEY"); undefined when nothing was found. */
  how?: string;
  /** What to do when nothing was found (or what cannot be seen from here). */
  advice?: string;
}

/** Environment variables that sign Claude Code in, in the order it prefers them, with their words. */
const SIGN_IN_VARIABLES: [string, string][] = [
  ['CLAUDE_CODE_USE_BEDROCK', 'Amazon Bedrock (CLAUDE_CODE_USE_BEDROCK)'],
  ['CLAUDE_CODE_USE_VERTEX', 'Google Vertex AI (CLAUDE_CODE_USE_VERTEX)'],
  ['CLAUDE_CODE_USE_FOUNDRY', 'Microsoft Foundry (CLAUDE_CODE_USE_FOUNDRY)'],
  ['ANTHROPIC_AUTH_TOKEN', 'a token from ANTHROPIC_AUTH_TOKEN'],
  ['ANTHROPIC_API_KEY', 'an API key from ANTHROPIC_API_KEY'],
  ['CLAUDE_CODE_OAUTH_TOKEN', 'a login token from CLAUDE_CODE_OAUTH_TOKEN'],
];

export const SIGN_IN_ADVICE =
  'Claude Code is not logged in: run `claude` once in a terminal and log in (/login), or give it a key with `ANTHROPIC_API_KEY` in the instar.agent.environment setting. Until then every session stops at its login screen.';

/**
 * How Claude Code run with `env` would sign in. `home` is the user's home folder (the agent's
 * HOME when its environment sets one); `platform` decides whether a login can be seen at all
 * (macOS keeps it in the Keychain).
 */
export async function claudeSignIn(env: Readonly<Record<string, string | undefined>>, options: { home?: string; platform?: NodeJS.Platform } = {}): Promise<ClaudeSignIn> {
  for (const [name, words] of SIGN_IN_VARIABLES) {
    const value = env[name];
    if (value !== undefined && value !== '' && value !== '0' && value !== 'false') return { how: words };
  }
  const home = env.HOME || options.home || homedir();
  const configDir = env.CLAUDE_CONFIG_DIR || join(home, '.claude');
  if (await exists(join(configDir, '.credentials.json'))) return { how: 'its login (claude /login)' };
  const global = await readJson(env.CLAUDE_CONFIG_DIR ? join(configDir, '.claude.json') : join(home, '.claude.json'));
  if (typeof global?.primaryApiKey === 'string' && global.primaryApiKey !== '') return { how: 'the API key it stored at its login' };
  const settings = await readJson(join(configDir, 'settings.json'));
  if (typeof settings?.apiKeyHelper === 'string' && settings.apiKeyHelper !== '') return { how: `its apiKeyHelper (${settings.apiKeyHelper})` };
  if (global?.oauthAccount && (options.platform ?? process.platform) === 'darwin') {
    return { how: 'its login (claude /login; the Keychain holds it)' };
  }
  return { advice: SIGN_IN_ADVICE };
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

async function readJson(file: string): Promise<Record<string, unknown> | undefined> {
  try {
    const value: unknown = JSON.parse(await fs.readFile(file, 'utf8'));
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
