/**
 * Spawning: validates a request, builds the agent's argv (never a shell string), creates its
 * tmux session in one call, and records it. A prompt goes in tmux's command when it fits (8 KiB),
 * else in a file the launch wrapper turns into one argument (up to 128 KiB), else it waits in
 * that file to be pasted once the agent is ready. Claude Code gets the hooks its version knows.
 */
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { AgentLocator } from '../agent/agentLocator';
import type { AgentVersions } from '../agent/agentVersion';
import { hookEventsFor, hookSettings } from '../agent/hookSettings';
import { agentKindOf, launchArgv, promptRoute } from '../agent/launchSpec';
import { isEnded, SessionRecord } from '../model/sessionRecord';
import { createAgentSession } from '../tmux/sessionCreation';
import type { TmuxServers } from '../tmux/tmuxServers';
import { InstarError, invalidInput, isInstarError } from '../util/errors';
import type { Clock, Logger } from '../util/host';
import { agentCommandOf, EngineOptions, SpawnRequest } from './engineOptions';
import type { SessionFiles } from './sessionFiles';
import type { SessionStore } from './sessionStore';
import { DEFAULT_MODEL, MAX_PROMPT_BYTES, validateArgs, validateModel, validateName, validatePermissionMode, validateText } from './validation';

/** The prompt shown in records and lists is cut to this many characters. */
const RECORD_PROMPT_CHARS = 16 * 1024;
const MIN_HISTORY_LINES = 50_000;

export interface SpawnerOptions {
  /** The engine's options as they are now (settings change at run time). */
  options: () => EngineOptions;
  clock: Clock;
  logger: Logger;
  /** Called once the tmux session is up. */
  onSpawned: (record: SessionRecord) => void;
}

export class Spawner {
  constructor(
    private readonly store: SessionStore,
    private readonly files: SessionFiles,
    private readonly servers: TmuxServers,
    private readonly agents: AgentLocator,
    private readonly versions: AgentVersions,
    private readonly settings: SpawnerOptions,
  ) {}

  async spawn(request: SpawnRequest): Promise<SessionRecord> {
    const options = this.settings.options();
    if (typeof request !== 'object' || request === null) throw invalidInput('A spawn request needs at least a name and a working directory.');
    const name = validateName(request.name);
    const prompt = request.prompt === undefined || request.prompt === null ? '' : validateText(request.prompt, 'prompt', MAX_PROMPT_BYTES);
    const model = validateModel(request.model ?? options.defaultModel ?? DEFAULT_MODEL);
    const permissionMode = validatePermissionMode(request.permissionMode ?? options.defaultPermissionMode);
    const jobSlug = request.jobSlug === undefined || request.jobSlug === null || request.jobSlug === '' ? undefined : validateName(request.jobSlug, 'job slug');
    const extraArgs = [...(options.agentArgs ?? []), ...validateArgs(request.extraArgs)];
    const cwd = await validateCwd(request.cwd);
    const client = this.servers.client();
    await client.ensureVersion();
    const agentCommand = agentCommandOf(options);
    const agentPath = await this.agents.locate(agentCommand);
    const agentKind = agentKindOf(agentCommand);
    const version = agentKind === 'claude' ? await this.versions.of(agentPath) : undefined;

    const id = randomUUID();
    const now = this.settings.clock.now();
    const promptBytes = Buffer.byteLength(prompt, 'utf8');
    const route = promptRoute(prompt);
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
      cwd,
      permissionMode,
      agentKind,
      agentCommand,
      agentVersion: version?.text,
      createdAt: now,
      tmuxSocket: client.socket,
      tmuxSession: name,
      claudeSessionId: agentKind === 'claude' ? id : undefined,
      pendingPrompt: pasted || undefined,
    };

    const { added, holder } = this.store.add(record);
    if (!added) {
      throw new InstarError(
        'name-taken',
        `A session named "${name}" already exists (${holder.status}${holder.endedAt ? ', ended' : ''}). Choose another name${isEnded(holder) ? ', or remove the ended session first' : ''}.`,
      );
    }
    try {
      if (route === 'file' || route === 'paste') await this.files.writePrompt(id, prompt);
      const settingsFile = agentKind === 'claude' ? await this.files.settingsFile(hookSettings(this.files.eventsDir, hookEventsFor(version))) : undefined;
      const command = launchArgv({
        agentCommand: agentKind === 'claude' ? agentPath : agentCommand,
        agentKind,
        sessionId: id,
        model,
        permissionMode,
        settingsFile,
        statusFile: this.files.statusFile(id),
        extraArgs,
        prompt: route === 'inline' ? prompt : undefined,
        promptFile: route === 'file' ? this.files.promptFile(id) : undefined,
        env: { ...options.agentEnv, ...request.env, INSTAR_SESSION_NAME: name },
      });
      const paneId = await createAgentSession(client, {
        name,
        cwd,
        command,
        width: options.width ?? 200,
        height: options.height ?? 50,
        historyLimit: Math.max(MIN_HISTORY_LINES, options.historyLimit ?? MIN_HISTORY_LINES),
      });
      this.settings.onSpawned(record);
      this.store.update(name, id, (current) => ({ ...current, paneId }));
    } catch (error) {
      this.store.discard(name, id);
      await this.files.remove(id).catch(() => undefined);
      // One tmux call creates the session; tmux itself refuses a name it already has.
      if (isInstarError(error, 'tmux-failed') && /duplicate session/i.test(error.message)) {
        throw new InstarError('name-taken', `The tmux server already has a session named "${name}" that Instar did not start. Choose another name.`);
      }
      throw error;
    }
    const spawned = this.store.require(name);
    await this.store.commit([spawned]);
    this.settings.logger.info(`Spawned ${name} (${model}, ${permissionMode}${pasted ? `, ${promptBytes}-byte prompt to paste` : ''}) in ${cwd}`);
    return this.store.get(name) ?? spawned;
  }
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
