/**
 * A throwaway HOME for the real Claude Code CLI, with the first-run screens already answered
 * (onboarding, folder trust, bypass-permissions warning), pointed at a fake Messages API on
 * loopback: nothing else is contacted.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ClaudeHome {
  home: string;
  /** The environment the agent needs (given to the engine as agentEnv). */
  env: Record<string, string>;
  dispose(): Promise<void>;
}

export async function makeClaudeHome(options: { baseUrl: string; trustedDirs: string[]; skipBypassWarning?: boolean }): Promise<ClaudeHome> {
  const home = await mkdtemp(join(tmpdir(), 'instar-claude-home-'));
  const projects = Object.fromEntries(options.trustedDirs.map((dir) => [dir, { hasTrustDialogAccepted: true, hasCompletedProjectOnboarding: true, allowedTools: [] }]));
  await writeFile(
    join(home, '.claude.json'),
    JSON.stringify({ hasCompletedOnboarding: true, lastOnboardingVersion: '2.1.197', numStartups: 5, bypassPermissionsModeAccepted: true, projects }, null, 2),
  );
  await mkdir(join(home, '.claude'), { recursive: true });
  await writeFile(join(home, '.claude', 'settings.json'), JSON.stringify({ skipDangerousModePermissionPrompt: options.skipBypassWarning ?? true }, null, 2));
  const env: Record<string, string> = {
    HOME: home,
    ANTHROPIC_BASE_URL: options.baseUrl,
    ANTHROPIC_AUTH_TOKEN: 'test-token-not-a-real-key',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    IS_SANDBOX: '1',
    TERM: 'xterm-256color',
  };
  // Retries: a claude that is being killed can still write into its HOME for a moment.
  return { home, env, dispose: () => rm(home, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 }) };
}

