/**
 * The fields of a spawn as the API takes them (POST /sessions/spawn, and each session of POST
 * /sessions/batch), checked in full before anything starts: each refusal names the field and
 * what it takes.
 */
import * as path from 'node:path';
import type { SpawnRequest } from '../sessions/engineOptions';
import { SessionWorktrees } from '../sessions/sessionWorktrees';
import { MAX_IDLE_LIMIT_MS } from '../sessions/spawner';
import { validateBudget } from '../usage/budgets';
import { modelFor, validateAgentKind } from '../sessions/agentChoice';
import { MAX_PROMPT_BYTES, validateName, validatePermissionMode, validateText } from '../sessions/validation';
import { unknownNames } from '../util/text';
import type { AgentKind } from '../model/sessionRecord';
import type { PermissionMode } from '../model/permissionMode';
import { InstarError } from '../util/errors';
import { describeValue, HttpError } from './httpRequest';

/** Defaults a batch gives every session of it. */
export interface SpawnDefaults {
  agent?: unknown;
  model?: unknown;
  endWhenIdleSeconds?: unknown;
  label?: unknown;
  budgetUsd?: unknown;
  worktree?: unknown;
  permissionMode?: unknown;
}

/** The fields a spawn's body takes (and each session of a batch). */
export const SPAWN_FIELDS = ['name', 'prompt', 'agent', 'model', 'jobSlug', 'label', 'endWhenIdleSeconds', 'budgetUsd', 'worktree', 'cwd', 'permissionMode'];
/** A batch's: its sessions, and the defaults it gives them. */
export const BATCH_FIELDS = ['sessions', 'label', 'agent', 'model', 'endWhenIdleSeconds', 'budgetUsd', 'worktree', 'permissionMode'];

/** Where a spawn may run: the workspace's folder (the default), and every folder of it (a multi-root workspace's). */
export interface SpawnFolders {
  cwd: string;
  folders?: readonly string[];
  /** The kind a spawn that names none starts: its model is checked in that CLI's terms. */
  defaultAgent?: AgentKind;
}

/** A spawn body as a request for the engine; throws HttpError 400 naming what is wrong. `where` prefixes messages ("sessions[2]: "). */
export function spawnRequestOf(body: Record<string, unknown>, place: SpawnFolders, defaults: SpawnDefaults = {}, where = ''): SpawnRequest {
  const fail = (message: string): never => {
    throw new HttpError(400, `${where}${message}`);
  };
  if (typeof body !== 'object' || body === null || Array.isArray(body)) fail(`each session must be a JSON object; got ${describeValue(body)}.`);
  const unknown = Object.keys(body).filter((key) => !SPAWN_FIELDS.includes(key));
  if (unknown.length > 0) fail(`${unknownNames('field', unknown)}: a session takes ${SPAWN_FIELDS.join(', ')}.`);
  for (const field of ['name', 'prompt'] as const) {
    if (typeof body[field] !== 'string') fail(`The body needs "${field}", a string.`);
  }
  for (const field of ['agent', 'model', 'jobSlug', 'label', 'permissionMode'] as const) {
    if (body[field] !== undefined && body[field] !== null && typeof body[field] !== 'string') fail(`"${field}" must be a string.`);
  }
  const pick = (field: keyof SpawnDefaults) => (body[field] === undefined || body[field] === null ? defaults[field] : body[field]);
  const endWhenIdle = pick('endWhenIdleSeconds');
  const maxIdleSeconds = MAX_IDLE_LIMIT_MS / 1000;
  if (endWhenIdle !== undefined && endWhenIdle !== null && (typeof endWhenIdle !== 'number' || !Number.isInteger(endWhenIdle) || endWhenIdle < 0 || endWhenIdle > maxIdleSeconds)) {
    fail(`"endWhenIdleSeconds" must be a whole number of seconds from 0 (never end by itself) to ${maxIdleSeconds} (a week); got ${describeValue(endWhenIdle)}.`);
  }
  const request: SpawnRequest = {
    name: body.name as string,
    agent: (pick('agent') as AgentKind | null | undefined) ?? undefined,
    prompt: body.prompt as string,
    model: (pick('model') as string | null | undefined) ?? undefined,
    jobSlug: (body.jobSlug as string | null | undefined) ?? undefined,
    batch: (pick('label') as string | null | undefined) ?? undefined,
    cwd: spawnFolder(body.cwd, place, fail),
    idleLimitMs: typeof endWhenIdle === 'number' ? endWhenIdle * 1000 : undefined,
    budgetUsd: (pick('budgetUsd') as number | null | undefined) ?? undefined,
    worktree: (pick('worktree') as SpawnRequest['worktree'] | null | undefined) ?? undefined,
    permissionMode: (pick('permissionMode') as PermissionMode | null | undefined) ?? undefined,
  };
  // What the engine checks again when it spawns: checked here too, so that a batch refuses before any starts.
  try {
    validateBudget(request.budgetUsd, '"budgetUsd"');
    SessionWorktrees.validate(request.worktree);
    validateName(request.name);
    if (request.permissionMode !== undefined) validatePermissionMode(request.permissionMode);
    validateText(request.prompt, 'prompt', MAX_PROMPT_BYTES);
    const kind = validateAgentKind(request.agent) ?? place.defaultAgent ?? 'claude';
    if (request.model !== undefined) modelFor(kind, request.model, undefined);
    if (request.jobSlug) validateName(request.jobSlug, 'job slug');
    if (request.batch) validateName(request.batch, 'label');
  } catch (error) {
    if (error instanceof InstarError) fail(error.message);
    throw error;
  }
  return request;
}

/**
 * The folder a spawn body names (`cwd`): one of the workspace's folders or a folder inside one,
 * never outside them; none named, the workspace's folder.
 */
function spawnFolder(cwd: unknown, place: SpawnFolders, fail: (message: string) => never): string {
  if (cwd === undefined || cwd === null) return place.cwd;
  const folders = place.folders && place.folders.length > 0 ? place.folders : [place.cwd];
  const allowed = `one of the workspace's folders (${folders.join(', ')}) or a folder inside one`;
  if (typeof cwd !== 'string' || !path.isAbsolute(cwd)) return fail(`"cwd" must be an absolute path: ${allowed}; got ${describeValue(cwd)}.`);
  const resolved = path.resolve(cwd);
  const inside = folders.some((folder) => {
    const relative = path.relative(folder, resolved);
    return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
  });
  if (!inside) return fail(`"cwd" ${JSON.stringify(cwd)} is outside the workspace: it must be ${allowed}.`);
  return resolved;
}
