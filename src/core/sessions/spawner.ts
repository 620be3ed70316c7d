/**
 * Spawning: validates a request, makes its git worktree when asked, builds the agent's argv
 * (never a shell string), creates its tmux session in one call, and records it. A prompt goes in
 * tmux's command when it fits (8 KiB), else in a file the launch wrapper turns into one argument
 * (up to 128 KiB), else it waits in that file to be pasted once the agent is ready. Claude Code
 * gets the hooks its version knows.
 */
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { AgentLocator } from '../agent/agentLocator';
import type { AgentVersions } from '../agent/agentVersion';
import { promptFileAllowed, promptRoute } from '../agent/launchSpec';
import type { SetupCommandError } from '../git/worktreeSetup';
import { isEnded, SessionRecord } from '../model/sessionRecord';
import type { TmuxServers } from '../tmux/tmuxServers';
import { validateBudget } from '../usage/budgets';
import { checkSpawnLimits, Lineage, SpawnLimitError, SpawnRefusal } from './spawnLimits';
import { InstarError, invalidInput, isInstarError } from '../util/errors';
import { Emitter } from '../util/emitter';
import type { Clock, Logger } from '../util/host';
import type { AgentLauncher } from './agentLauncher';
import { chooseAgent, missingAgent, modelFor } from './agentChoice';
import type { EngineOptions, SpawnRequest } from './engineOptions';
import { tmuxSessionName } from './recordTags';
import type { SessionFiles } from './sessionFiles';
import type { SessionStore } from './sessionStore';
import { SessionWorktrees } from './sessionWorktrees';
import { MAX_PROMPT_BYTES, validateArgs, validateName, validatePermissionMode, validateText } from './validation';

/** The prompt shown in records and lists is cut to this many characters. */
const RECORD_PROMPT_CHARS = 16 * 1024;
/** The longest idle limit a session may have: a week. */
export const MAX_IDLE_LIMIT_MS = 7 * 24 * 3600_000;

export interface SpawnerOptions {
  /** The engine's options as they are now (settings change at run time). */
  options: () => EngineOptions;
  clock: Clock;
  logger: Logger;
  /** Called once the tmux session is up. */
  onSpawned: (record: SessionRecord) => void;
  /** Tells the other engines of the workspace (they find the session by its tags at once). */
  announce: (record: SessionRecord, event: 'instar:spawn') => Promise<unknown>;
  /** Throws when no session may start now (the daily budget is spent). */
  checkMayStart: () => void;
  /** This engine's id: a record being set up says which engine runs its set-up. */
  engineId: string;
}

export class Spawner {
  constructor(
    private readonly store: SessionStore,
    private readonly files: SessionFiles,
    private readonly servers: TmuxServers,
    private readonly agents: AgentLocator,
    private readonly versions: AgentVersions,
    private readonly launcher: AgentLauncher,
    private readonly worktrees: SessionWorktrees,
    private readonly settings: SpawnerOptions,
  ) {}

  async spawn(request: SpawnRequest): Promise<SessionRecord> {
    const options = this.settings.options();
    if (typeof request !== 'object' || request === null) throw invalidInput('A spawn request needs at least a name and a working directory.');
    const name = validateName(request.name);
    const prompt = request.prompt === undefined || request.prompt === null ? '' : validateText(request.prompt, 'prompt', MAX_PROMPT_BYTES);
    const agent = chooseAgent(options, request.agent);
    const model = modelFor(agent.kind, request.model, options.defaultModel);
    const permissionMode = validatePermissionMode(request.permissionMode ?? options.defaultPermissionMode);
    const jobSlug = request.jobSlug === undefined || request.jobSlug === null || request.jobSlug === '' ? undefined : validateName(request.jobSlug, 'job slug');
    const batch = request.batch === undefined || request.batch === '' ? undefined : validateName(request.batch, 'label');
    const extraArgs = [...agent.args, ...validateArgs(request.extraArgs)];
    const idleLimitMs = validateIdleLimit(request.idleLimitMs ?? options.defaultIdleLimitMs);
    const budgetUsd = validateBudget(request.budgetUsd ?? options.defaultBudgetUsd);
    const worktree = SessionWorktrees.validate(request.worktree);
    const cwd = await validateCwd(request.cwd);
    this.settings.checkMayStart();
    const client = this.servers.client();
    await client.ensureVersion();
    const { kind: agentKind, command: agentCommand } = agent;
    const agentPath = await this.agents.locate(agentCommand).catch((error: unknown) => {
      throw missingAgent(agentKind, agentCommand, error);
    });
    const version = agentKind === 'other' ? undefined : await this.versions.of(agentPath);
    // Checked with no wait between it and the record's addition: spawns at once cannot all pass a limit.
    const lineage = this.checkLimits(name, request.parent, options);

    const id = randomUUID();
    const now = this.settings.clock.now();
    const promptBytes = Buffer.byteLength(prompt, 'utf8');
    const byRoute = promptRoute(prompt);
    const route = byRoute === 'file' && !promptFileAllowed(agentKind) ? 'paste' : byRoute;
    const pasted = route === 'paste';
    const record: SessionRecord = {
      name,
      id,
      status: 'starting',
      statusSince: now,
      statusSignal: 'spawn',
      model,
      prompt: prompt.length > RECORD_PROMPT_CHARS ? prompt.slice(0, RECORD_PROMPT_CHARS) : prompt,
      promptBytes,
      jobSlug,
      batch,
      ...lineage,
      cwd,
      permissionMode,
      agentKind,
      agentCommand,
      agentVersion: version?.text,
      createdAt: now,
      tmuxSocket: client.socket,
      tmuxSession: tmuxSessionName(options, name),
      // Claude Code and Gemini CLI take our id as their conversation's; Codex tells its own at SessionStart.
      claudeSessionId: agentKind === 'claude' || agentKind === 'gemini' ? id : undefined,
      pendingPrompt: pasted || undefined,
      idleLimitMs: idleLimitMs || undefined,
      budgetUsd,
      runs: 1,
      ...(worktree ? { statusDetail: 'making its worktree', settingUp: this.settings.engineId } : {}),
    };

    const { added, holder } = this.store.add(record);
    if (!added) {
      throw new InstarError(
        'name-taken',
        `A session named "${name}" already exists (${holder.status}${holder.endedAt ? ', ended' : ''}). Choose another name${isEnded(holder) ? ', or remove the ended session first' : ''}.`,
      );
    }
    let launched = record;
    if (worktree) launched = await this.prepareWorktree(record, worktree);
    try {
      if (route === 'file' || route === 'paste') await this.files.writePrompt(id, prompt);
      const paneId = await this.launcher.launch(client, {
        record: launched,
        agentPath,
        version,
        extraArgs,
        env: { ...options.agentEnv, ...request.env },
        prompt: route === 'inline' ? prompt : undefined,
        promptFile: route === 'file' ? this.files.promptFile(id) : undefined,
      });
      this.settings.onSpawned(launched);
      this.store.update(name, id, (current) => ({ ...current, paneId, settingUp: undefined }));
    } catch (error) {
      // A worktree made for this spawn holds nothing of anyone's yet: it goes with the spawn.
      if (launched.worktree) await this.worktrees.discard(name, { force: true }).catch((problem) => this.settings.logger.warn(`Could not remove the worktree of the failed spawn ${name}: ${(problem as Error).message}`));
      this.store.discard(name, id);
      await this.files.remove(id).catch(() => undefined);
      // One tmux call creates the session; tmux itself refuses a name it already has.
      if (isInstarError(error, 'tmux-failed') && /duplicate session/i.test(error.message)) {
        throw new InstarError('name-taken', `The tmux server already has a session named "${record.tmuxSession}" (one another window of this workspace has just started). Choose another name.`);
      }
      throw error;
    }
    const spawned = this.store.require(name);
    // Neither is waited for: the session's tags already hold its record for every engine, and a
    // host that dies before the registry is saved loses nothing (the next engine rebuilds it from
    // them). The change event fires at once; the event file only makes other windows look now.
    void this.settings.announce(spawned, 'instar:spawn');
    void this.store.commit([spawned]).catch((error) => this.settings.logger.warn(`Could not save the registry after spawning ${name}: ${(error as Error).message}`));
    this.settings.logger.info(`Spawned ${name} (${model}, ${permissionMode}${pasted ? `, ${promptBytes}-byte prompt to paste` : ''}) in ${spawned.cwd}${spawned.worktree ? ` on ${spawned.worktree.branch}` : ''}`);
    // The session as spawned: what the tracker learnt since comes through the change event.
    return spawned;
  }

  /** The limit the last spawn was refused for, until a spawn gets through: the log and the view say it once. */
  private refused: SpawnRefusal | undefined;
  private readonly refusals = new Emitter<SpawnRefusal | undefined>();
  /** Fires when spawns start being refused for a limit (another one), and with undefined when one gets through again. */
  readonly onDidChangeRefusal = this.refusals.event;

  get refusal(): SpawnRefusal | undefined {
    return this.refused;
  }

  /** The new session's lineage, or the refusal of a spawn past a limit (said once while it holds). */
  private checkLimits(name: string, parent: string | undefined, options: EngineOptions): Lineage {
    try {
      const lineage = checkSpawnLimits(this.store.all(), name, parent, { maxLive: options.maxLiveSessions, maxDepth: options.maxSpawnDepth });
      if (this.refused) {
        this.refused = undefined;
        this.refusals.fire(undefined);
      }
      return lineage;
    } catch (error) {
      if (error instanceof SpawnLimitError && this.refused?.setting !== error.setting) {
        this.settings.logger.warn(error.message);
        this.refused = { setting: error.setting, limit: error.limit, message: error.message, at: this.settings.clock.now() };
        this.refusals.fire(this.refused);
      }
      throw error;
    }
  }

  /**
   * The worktree of a session being spawned, before its agent: the record (added, `starting`)
   * then runs there. A refusal (not a repository, a branch in use) takes the record away, nothing
   * having been made (a worktree made before a later step failed goes too); a failing set-up
   * command ends the session as an error with its output, the worktree kept to look into.
   */
  private async prepareWorktree(record: SessionRecord, request: { branch?: string; base?: string }): Promise<SessionRecord> {
    const { name, id } = record;
    try {
      await this.worktrees.prepare(record, request);
    } catch (error) {
      const current = this.store.get(name);
      if (!isInstarError(error, 'setup-failed') || !current?.worktree) {
        // Made, then a step after it failed (its set-up files): a fresh worktree holds nothing of anyone's.
        if (current?.worktree) await this.worktrees.discard(name, { force: true }).catch((problem) => this.settings.logger.warn(`Could not remove the worktree of the failed spawn ${name}: ${(problem as Error).message}`));
        this.store.discard(name, id);
        throw error;
      }
      const now = this.settings.clock.now();
      const failed = this.store.update(name, id, (latest) => ({ ...latest, status: 'error', statusSignal: 'spawn', statusSince: now, statusDetail: `set-up failed: ${(error as SetupCommandError).exitCode === undefined ? 'stopped or not started' : `exit status ${(error as SetupCommandError).exitCode}`}`, endedAt: now, exitCode: null, settingUp: undefined }));
      await this.files.writeSnapshot(id, `${(error as Error).message}\n`).catch(() => undefined);
      if (failed) await this.store.commit([failed]);
      this.settings.logger.error(`${name}: ${(error as Error).message}`);
      throw error;
    }
    return this.store.require(name);
  }
}

/** An idle limit in ms: a whole number from 0 (never) to a week. */
export function validateIdleLimit(limit: unknown): number {
  if (limit === undefined || limit === null) return 0;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0 || limit > MAX_IDLE_LIMIT_MS) {
    throw invalidInput(`The idle limit must be a whole number of milliseconds from 0 (never end) to ${MAX_IDLE_LIMIT_MS} (a week), not ${JSON.stringify(limit)}.`);
  }
  return limit;
}

async function validateCwd(cwd: unknown): Promise<string> {
  if (typeof cwd !== 'string' || cwd === '') throw invalidInput('The working directory must be given as an absolute path.');
  if (!path.isAbsolute(cwd)) throw invalidInput(`The working directory must be an absolute path, not ${JSON.stringify(cwd)}.`);
  try {
    const stat = await fs.stat(cwd);
    if (!stat.isDirectory()) throw invalidInput(`The working directory ${cwd} is not a folder.`);
  } catch (error) {
    if (isInstarError(error)) throw error;
    throw invalidInput(`The working directory ${cwd} does not exist.`);
  }
  return path.resolve(cwd);
}
