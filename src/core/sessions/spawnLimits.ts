/**
 * What keeps agents spawning agents from running away (each Claude Code holds about 250 MiB and
 * every turn costs money): at most so many live sessions in a workspace, and chains of agents
 * spawning agents at most so deep. A spawn past either is refused, saying which limit, its value
 * and where to raise it. A session knows its parent (the session whose agent asked for it, as the
 * API's caller says) and its depth: 1 for a session an agent of a person's session spawned, its
 * parent's plus one below that; none for a person's or a job's own.
 */
import { isEnded, SessionRecord } from '../model/sessionRecord';
import { InstarError } from '../util/errors';

/** The settings' defaults: what one workstation holds comfortably, and a lead, its helpers and theirs. */
export const DEFAULT_MAX_LIVE_SESSIONS = 24;
export const DEFAULT_MAX_SPAWN_DEPTH = 3;

export interface SpawnLimits {
  /** Live sessions of the workspace at most (undefined or 0: no limit). */
  maxLive?: number;
  /** How deep a chain of agents spawning agents may go (undefined or 0: no limit). */
  maxDepth?: number;
}

/** The setting a refused spawn ran into. */
export type LimitSetting = 'instar.sessions.maxLive' | 'instar.sessions.maxSpawnDepth';

/** A spawn refused past a limit: which setting, its value, and the words for a person. */
export class SpawnLimitError extends InstarError {
  constructor(
    readonly setting: LimitSetting,
    readonly limit: number,
    message: string,
  ) {
    super('limit-reached', message);
  }
}

/** Spawns being refused for a limit: which one, and what was said, since when. */
export interface SpawnRefusal {
  setting: LimitSetting;
  limit: number;
  message: string;
  at: number;
}

/** Where a new session stands in its chain: its parent and depth, when an agent spawned it. */
export interface Lineage {
  parent?: string;
  depth?: number;
}

/** The chain from the first session down to `parent` (names), as the records know it. */
function chainTo(records: ReadonlyMap<string, SessionRecord>, parent: string): string[] {
  const chain = [parent];
  for (let at = records.get(parent)?.parent; at !== undefined && chain.length < 64 && !chain.includes(at); at = records.get(at)?.parent) chain.unshift(at);
  return chain;
}

/** The lineage of a session `name` spawned by `parent` (if any); throws a SpawnLimitError ('limit-reached') past a limit. */
export function checkSpawnLimits(records: readonly SessionRecord[], name: string, parent: string | undefined, limits: SpawnLimits): Lineage {
  const live = records.filter((record) => !isEnded(record)).length;
  if (limits.maxLive && live >= limits.maxLive) {
    throw new SpawnLimitError(
      'instar.sessions.maxLive',
      limits.maxLive,
      `Not spawned: ${live} sessions of this workspace are live, the most instar.sessions.maxLive allows (${limits.maxLive}). Wait for one to end or kill one, or raise instar.sessions.maxLive.`,
    );
  }
  if (parent === undefined || parent === '') return {};
  const byName = new Map(records.map((record) => [record.name, record]));
  const depth = (byName.get(parent)?.depth ?? 0) + 1;
  if (limits.maxDepth && depth > limits.maxDepth) {
    const chain = [...chainTo(byName, parent), name].join(' → ');
    throw new SpawnLimitError(
      'instar.sessions.maxSpawnDepth',
      limits.maxDepth,
      `Not spawned: ${name} would be ${depth} deep in a chain of agents spawning agents (${chain}), deeper than instar.sessions.maxSpawnDepth allows (${limits.maxDepth}). Raise instar.sessions.maxSpawnDepth to go deeper.`,
    );
  }
  return { parent, depth };
}
