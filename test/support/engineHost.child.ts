/**
 * An engine host in a process of its own, as a VS Code window's extension host is: an engine on
 * a shared state folder with its own storage file (its "workspaceState"), the workspace's leader
 * election, and, while it leads, the scheduled jobs and the HTTP API. The test drives it over IPC
 * and can end it with SIGKILL at any moment.
 *
 * Configuration comes as JSON in INSTAR_HOST_CONFIG. A host started with `crashBeforeSaving` kills
 * itself (SIGKILL) when it is about to save that session: a host that dies before saving a spawn.
 */
import { ApiHosting } from '../../src/core/http/apiHosting';
import { ApiServer } from '../../src/core/http/apiServer';
import { JobScheduler } from '../../src/core/jobs/jobScheduler';
import { WorkspaceLeader } from '../../src/core/lead/workspaceLeader';
import { engineNotifier, NotifyConfig } from '../../src/core/notify/notifier';
import { SessionEngine, SpawnRequest } from '../../src/core/sessions/sessionEngine';
import { REGISTRY_KEY } from '../../src/core/sessions/sessionStore';
import { systemClock, type Logger } from '../../src/core/util/host';
import { FileStorage } from './storage';

export interface HostConfig {
  label: string;
  stateDir: string;
  storageFile: string;
  socket: string;
  agentCommand: string;
  cwd: string;
  tmuxBinary?: string;
  /** Kill this host (SIGKILL) when it is about to save a registry that holds this session. */
  crashBeforeSaving?: string;
  /** The text of .instar/jobs.json, run while this host leads. */
  jobs?: string;
  /** The API while it leads; `shared`: behind the front door on `port` (ApiHosting), with the door registry under that state root. */
  api?: { port: number; token: string; shared?: { stateRoot: string }; requestsPerMinute?: number };
  /** The workspace's lead secret: with it, this host hands the lead to a keeper that asks (as a window does). */
  secret?: string;
  /** The key the workspace's sessions are tagged with (a keeper's, to share its sessions). */
  workspaceKey?: string;
  /** The monitor's period (250 ms unless given; a window's is 1000). */
  monitorIntervalMs?: number;
  /** Notifications away from the editor, sent while it leads (retried after 200 ms). */
  notify?: NotifyConfig;
}

export type HostRequest =
  | { id: number; op: 'list' }
  | { id: number; op: 'state' }
  | { id: number; op: 'spawn'; request: SpawnRequest }
  | { id: number; op: 'kill'; name: string };

export interface HostState {
  leading: boolean;
  /** The API listens in this host. */
  api: boolean;
  /** The jobs run in this host. */
  jobs: boolean;
}

export type HostMessage =
  | { kind: 'ready'; leading: boolean; engineId: string }
  | { kind: 'leading'; at: number }
  | { kind: 'lost'; at: number }
  | { kind: 'reply'; id: number; value?: unknown; error?: string }
  | { kind: 'log'; line: string };

const config = JSON.parse(process.env.INSTAR_HOST_CONFIG ?? '{}') as HostConfig;
const send = (message: HostMessage) => process.send?.(message);
const line = (level: string) => (message: string | Error) => send({ kind: 'log', line: `[${config.label} ${level}] ${String(message)}` });
const logger: Logger = { trace: () => undefined, debug: () => undefined, info: line('info'), warn: line('warn'), error: line('error') };

class CrashingStorage extends FileStorage {
  override update(key: string, value: unknown): Promise<void> {
    const sessions = key === REGISTRY_KEY ? (value as { sessions: { name: string }[] }).sessions : [];
    if (sessions.some((session) => session.name === config.crashBeforeSaving)) process.kill(process.pid, 'SIGKILL');
    return super.update(key, value);
  }
}

async function main(): Promise<void> {
  const storage = config.crashBeforeSaving ? await CrashingStorage.open(config.storageFile) : await FileStorage.open(config.storageFile);
  const engine = await SessionEngine.create({
    stateDir: config.stateDir,
    storage,
    socket: config.socket,
    agentCommand: config.agentCommand,
    tmuxBinary: config.tmuxBinary,
    monitorIntervalMs: config.monitorIntervalMs ?? 250,
    workspaceKey: config.workspaceKey,
    logger,
  });
  const leader = new WorkspaceLeader({ workspace: engine.workspaceKey, logger, retryMs: 1000, label: config.label, secret: config.secret });
  let api: ApiServer | ApiHosting | undefined;
  let scheduler: JobScheduler | undefined;
  const notifier = config.notify ? engineNotifier(engine, { stateDir: config.stateDir, workspace: config.cwd, logger, retryDelaysMs: [200, 200, 200] }) : undefined;
  notifier?.configure(config.notify!);
  leader.onDidChange(async (leading) => {
    notifier?.setLeading(leading);
    if (!leading) {
      // Handed over to a keeper: what runs once per workspace stops here.
      send({ kind: 'lost', at: Date.now() });
      scheduler?.stop();
      scheduler = undefined;
      const server = api;
      api = undefined;
      await server?.stop();
      return;
    }
    send({ kind: 'leading', at: Date.now() });
    if (config.jobs !== undefined) {
      scheduler = new JobScheduler(engine, { cwd: config.cwd, storage, clock: systemClock, logger, runMissed: true });
      scheduler.load(config.jobs);
      await scheduler.start();
    }
    if (config.api?.shared) {
      const { port, token, shared, requestsPerMinute } = config.api;
      api = new ApiHosting({ engine, port, sharedPort: port, token, folder: config.cwd, workspaceKey: engine.workspaceKey, version: 'test', logger, label: config.label, stateRoot: shared.stateRoot, requestsPerMinute });
      await api.start();
    } else if (config.api) {
      api = new ApiServer(engine, { port: config.api.port, token: config.api.token, cwd: config.cwd, version: 'test', logger, requestsPerMinute: config.api.requestsPerMinute });
      await api.start();
    }
  });
  await leader.start();
  notifier?.setLeading(leader.leading);

  process.on('message', async (request: HostRequest) => {
    try {
      let value: unknown;
      switch (request.op) {
        case 'list':
          value = engine.list();
          break;
        case 'state':
          value = { leading: leader.leading, api: api !== undefined, jobs: scheduler !== undefined } satisfies HostState;
          break;
        case 'spawn':
          value = await engine.spawn(request.request);
          break;
        case 'kill':
          value = await engine.kill(request.name);
          break;
      }
      send({ kind: 'reply', id: request.id, value });
    } catch (error) {
      send({ kind: 'reply', id: request.id, error: (error as Error).message });
    }
  });
  // The IPC channel keeps the process alive; its end (the test's) ends the host.
  process.on('disconnect', () => process.exit(0));
  send({ kind: 'ready', leading: leader.leading, engineId: engine.engineId });
}

main().catch((error) => {
  send({ kind: 'log', line: `[${config.label} fatal] ${(error as Error).stack ?? String(error)}` });
  process.exit(1);
});
