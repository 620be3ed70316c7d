/**
 * A throwaway HOME for the real Claude Code CLI (2.1.197) with every first-run screen already
 * answered (onboarding, folder trust per directory, bypass-permissions warning), pointed at a
 * fake Messages API on loopback, so that no other host is contacted and nothing is written
 * outside the HOME (claude's $TMPDIR/claude-<uid>/ task files included).
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export interface ClaudeHome {
  home: string;
  /**
   * The whole environment to give the agent (HOME, PATH, LANG, TMPDIR, XDG_*, the API and the
   * quiet switches); start it with exactly this (e.g. `env -i`), not merged over the test's own
   * environment, which may hold a real ANTHROPIC_API_KEY. TERM is left to tmux.
   */
  env: Record<string, string>;
  dispose(): Promise<void>;
}

export interface ClaudeHomeOptions {
  /** The fake API, e.g. `http://127.0.0.1:PORT`. */
  baseUrl: string;
  /** Directories whose trust dialog is already accepted (the agent's cwd). Empty: the trust dialog shows. */
  trustedDirs: string[];
  /** `messageIdleNotifThresholdMs` in .claude.json: how long after Stop the `idle_prompt` Notification hook fires (claude's default 60000). */
  idleNotifMs?: number;
  /** Write `skipDangerousModePermissionPrompt: true` (default true). false: `--dangerously-skip-permissions` shows its warning (default "No, exit"). */
  skipBypassWarning?: boolean;
  /** The auth token (sent as `Authorization: Bearer`). */
  token?: string;
}

/** The token the agent sends. ANTHROPIC_AUTH_TOKEN, not ANTHROPIC_API_KEY: no "custom API key" dialog. */
export const FAKE_TOKEN = 'sk-ant-fake-test-token-0123456789abcdef';

/**
 * The directory of the `claude` binary pinned in this repo (node_modules/.bin), found by walking
 * up from this module (it runs from test/support under tsx and from out/test/... once bundled).
 */
export const CLAUDE_BIN_DIR = findBinDir(__dirname);

function findBinDir(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const bin = join(dir, 'node_modules', '.bin');
    if (existsSync(join(bin, 'claude'))) return bin;
    if (dirname(dir) === dir) return resolve(start, '..', '..', 'node_modules', '.bin');
  }
}

export async function makeClaudeHome(opts: ClaudeHomeOptions): Promise<ClaudeHome> {
  const home = await mkdtemp(join(tmpdir(), 'instar-claude-home-'));
  const token = opts.token ?? FAKE_TOKEN;
  const projects: Record<string, unknown> = {};
  for (const dir of opts.trustedDirs) {
    const entry = { allowedTools: [], hasTrustDialogAccepted: true, hasCompletedProjectOnboarding: true, projectOnboardingSeenCount: 1 };
    projects[resolve(dir)] = entry;
    // claude looks the cwd up by its real path (/tmp can be a symlink, as on macOS).
    const real = await realpath(dir).catch(() => undefined);
    if (real) projects[real] = entry;
  }
  const claudeJson: Record<string, unknown> = {
    hasCompletedOnboarding: true,
    lastOnboardingVersion: '2.1.197',
    numStartups: 10,
    firstStartTime: '2026-01-01T00:00:00.000Z',
    installMethod: 'npm',
    autoUpdates: false,
    bypassPermissionsModeAccepted: opts.skipBypassWarning !== false,
    // Only consulted with ANTHROPIC_API_KEY (its last 20 characters); harmless with a token.
    customApiKeyResponses: { approved: [token.slice(-20)], rejected: [] },
    projects,
  };
  if (opts.idleNotifMs !== undefined) claudeJson.messageIdleNotifThresholdMs = opts.idleNotifMs;
  await writeFile(join(home, '.claude.json'), JSON.stringify(claudeJson, null, 2));
  await mkdir(join(home, '.claude'), { recursive: true });
  const settings: Record<string, unknown> = {};
  if (opts.skipBypassWarning !== false) settings.skipDangerousModePermissionPrompt = true;
  await writeFile(join(home, '.claude', 'settings.json'), JSON.stringify(settings, null, 2));

  const path = [CLAUDE_BIN_DIR, dirname(process.execPath), process.env.PATH || '/usr/local/bin:/usr/bin:/bin'].join(':');
  const env: Record<string, string> = {
    HOME: home,
    PATH: path,
    LANG: process.env.LANG && /utf-?8/i.test(process.env.LANG) ? process.env.LANG : 'C.UTF-8',
    ANTHROPIC_BASE_URL: opts.baseUrl,
    ANTHROPIC_AUTH_TOKEN: token,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    IS_SANDBOX: '1',
    // Keep every other place claude writes inside the throwaway HOME.
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    XDG_STATE_HOME: join(home, '.local', 'state'),
    XDG_CACHE_HOME: join(home, '.cache'),
    // claude keeps per-session task files under $TMPDIR/claude-<uid>/ (else /tmp/claude-<uid>/).
    TMPDIR: join(home, 'tmp'),
  };
  await mkdir(env.TMPDIR, { recursive: true });
  return { home, env, dispose: () => rm(home, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 }) };
}
