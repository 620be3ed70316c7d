/**
 * The workspace's `.instar/config.json`, as Instar's own scripts and skill read it: the port
 * and the token, file mode 0600, kept out of git through `.git/info/exclude`.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../util/atomicWrite';

/** A random 256-bit token, hex. */
export function generateToken(): string {
  return randomBytes(32).toString('hex');
}

export interface InstarConfig {
  port: number;
  token: string;
}

/** Writes (atomically) the port and token, keeping any other keys already in the file. */
export async function writeInstarConfig(workspace: string, config: InstarConfig): Promise<string> {
  const dir = path.join(workspace, '.instar');
  const file = path.join(dir, 'config.json');
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  let existing: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(await fs.readFile(file, 'utf8'));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) existing = parsed as Record<string, unknown>;
  } catch {
    // Missing or unreadable: written anew.
  }
  const auth = existing.auth && typeof existing.auth === 'object' ? (existing.auth as Record<string, unknown>) : {};
  const value = { ...existing, port: config.port, url: `http://127.0.0.1:${config.port}`, authToken: config.token, auth: { ...auth, token: config.token } };
  await writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
  await excludeFromGit(workspace);
  return file;
}

/** The port and token another window wrote, if the file holds them. */
export async function readInstarConfig(workspace: string): Promise<InstarConfig | undefined> {
  try {
    const value = JSON.parse(await fs.readFile(path.join(workspace, '.instar', 'config.json'), 'utf8')) as Record<string, unknown>;
    const port = value.port;
    const token = value.authToken;
    return typeof port === 'number' && Number.isInteger(port) && typeof token === 'string' && token !== '' ? { port, token } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The workspace's token as its API serves it, from `.instar/config.json` only where that file is
 * this user's and no one else can read it (as written here, mode 0600): a file that came with a
 * clone, or that others can read, holds no secret and gives no token.
 */
export async function readWorkspaceToken(workspace: string): Promise<string | undefined> {
  const file = instarConfigFile(workspace);
  try {
    const stat = await fs.stat(file);
    if ((stat.mode & 0o077) !== 0 || (process.getuid !== undefined && stat.uid !== process.getuid())) return undefined;
  } catch {
    return undefined;
  }
  return (await readInstarConfig(workspace))?.token;
}

/**
 * Keeps the token's file out of git (`.git/info/exclude`, once), when the workspace is a git work
 * tree; the rest of `.instar/` (jobs.json: a team's schedule) is the project's to commit. The whole
 * folder that earlier versions excluded is narrowed to the file.
 */
async function excludeFromGit(workspace: string): Promise<void> {
  const gitDir = path.join(workspace, '.git');
  try {
    if (!(await fs.stat(gitDir)).isDirectory()) return;
  } catch {
    return;
  }
  const exclude = path.join(gitDir, 'info', 'exclude');
  let text = '';
  try {
    text = await fs.readFile(exclude, 'utf8');
  } catch {
    await fs.mkdir(path.dirname(exclude), { recursive: true });
  }
  const lines = text.split('\n');
  const wholeFolder = (line: string) => line.trim() === '.instar/' || line.trim() === '.instar';
  if (lines.some((line) => line.trim() === CONFIG_EXCLUDE) && !lines.some(wholeFolder)) return;
  const kept = lines.filter((line) => !wholeFolder(line) && line.trim() !== CONFIG_EXCLUDE).join('\n');
  await fs.writeFile(exclude, `${kept}${kept === '' || kept.endsWith('\n') ? '' : '\n'}${CONFIG_EXCLUDE}\n`);
}

/** What `.git/info/exclude` gets: the token's file, not the folder. */
const CONFIG_EXCLUDE = '.instar/config.json';

/** The header by which the `instar` command and MCP server of a session say which session calls (its INSTAR_SESSION_NAME). */
export const CALLER_HEADER = 'x-instar-session';

/** The variables every spawned session gets, so agents can reach the API. */
export function agentApiEnvironment(config: InstarConfig, workspace: string): Record<string, string> {
  // The file too: the instar command reads the token and port there first, so a rotated token or
  // an API that moved (to the keeper, another window) still reaches sessions that were already running.
  return { INSTAR_SERVER_URL: `http://127.0.0.1:${config.port}`, INSTAR_AUTH_TOKEN: config.token, INSTAR_CONFIG_FILE: instarConfigFile(workspace) };
}

/** The workspace's `.instar/config.json`. */
export function instarConfigFile(workspace: string): string {
  return path.join(workspace, '.instar', 'config.json');
}
