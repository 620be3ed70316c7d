/**
 * POST /sessions/batch: several sessions in one request. Every session's fields are checked (and
 * the names against each other and the sessions known) before any starts; then all start at once
 * under one label, and the answer holds each session or its error (201 when all started, 207
 * otherwise).
 */
import type { SessionEngine } from '../sessions/sessionEngine';
import { validateName } from '../sessions/validation';
import { InstarError } from '../util/errors';
import { toApiSession } from './apiSession';
import { describeValue, HttpError, STATUS_OF_CODE } from './httpRequest';
import { SpawnFolders, spawnRequestOf } from './spawnBody';

/** Sessions one batch may spawn, at most. */
export const MAX_BATCH = 50;

export async function spawnBatch(engine: Pick<SessionEngine, 'get' | 'spawn'>, body: Record<string, unknown>, place: SpawnFolders, parent?: string): Promise<[number, unknown]> {
  const { sessions } = body;
  if (!Array.isArray(sessions) || sessions.length === 0 || sessions.length > MAX_BATCH) {
    throw new HttpError(400, `The body needs "sessions", a list of 1 to ${MAX_BATCH} sessions ({name, prompt, agent?, model?, jobSlug?, endWhenIdleSeconds?}); got ${describeValue(sessions)}.`);
  }
  if (body.label !== undefined && body.label !== null && typeof body.label !== 'string') throw new HttpError(400, '"label" must be a string.');
  let label = (body.label as string | null | undefined) || undefined;
  if (label) {
    try {
      validateName(label, 'label');
    } catch (error) {
      throw new HttpError(400, (error as Error).message);
    }
  } else label = `batch-${Date.now().toString(36)}`;
  const defaults = { agent: body.agent, model: body.model, endWhenIdleSeconds: body.endWhenIdleSeconds, label, budgetUsd: body.budgetUsd, worktree: body.worktree, permissionMode: body.permissionMode };
  const problems: string[] = [];
  const requests = sessions.map((session: unknown, index) => {
    try {
      return spawnRequestOf(session as Record<string, unknown>, place, defaults, `sessions[${index}]: `);
    } catch (error) {
      problems.push((error as Error).message);
      return undefined;
    }
  });
  const seen = new Set<string>();
  requests.forEach((request, index) => {
    if (!request) return;
    if (seen.has(request.name)) problems.push(`sessions[${index}]: the name "${request.name}" is given twice.`);
    else if (engine.get(request.name)) problems.push(`sessions[${index}]: a session named "${request.name}" exists already; remove it first or choose another name.`);
    seen.add(request.name);
  });
  if (problems.length > 0) throw new HttpError(400, `Nothing was spawned. ${problems.slice(0, 20).join(' ')}${problems.length > 20 ? ` (and ${problems.length - 20} more)` : ''}`);
  const outcomes = await Promise.allSettled(requests.map((request) => engine.spawn({ ...request!, parent })));
  const answers = outcomes.map((outcome, index) =>
    outcome.status === 'fulfilled'
      ? { name: requests[index]!.name, session: toApiSession(outcome.value) }
      : { name: requests[index]!.name, error: (outcome.reason as Error).message, status: outcome.reason instanceof InstarError ? (STATUS_OF_CODE[outcome.reason.code] ?? 500) : 500 },
  );
  const failed = answers.filter((answer) => 'error' in answer).length;
  return [failed === 0 ? 201 : 207, { label, spawned: answers.length - failed, failed, sessions: answers }];
}
