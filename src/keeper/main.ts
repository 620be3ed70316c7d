/**
 * `dist/keeper.js`: the keeper of one workspace, until SIGINT or SIGTERM. `instar keeper` runs it
 * in the foreground (a server with no VS Code, or systemd); a window starts it detached, with its
 * settings in a file it keeps current and a linger after which the keeper ends once nothing is
 * left to keep.
 *
 *   keeper.js [--workspace <folder>] [--state-dir <folder>] [--no-api] [--debug]
 *             [--settings-file <file>] [--linger-minutes <n>]
 *   keeper.js status|start|stop [--workspace <folder>] [--state-dir <folder>]
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { runningKeeper, startKeeper, stopKeeper } from '../core/lead/keeperProcess';
import { findWorkspace } from '../core/lead/workspaceDirectory';
import { leadSecret } from '../core/lead/workspaceLeader';
import { readSettings, Settings } from '../core/settings/instarSettings';
import { watchFileIn } from '../core/util/fileWatch';
import { isAlive } from '../core/util/processes';
import { Keeper } from './keeper';
import { keeperLogger } from './keeperLog';
import { readWorkspaceSettings } from './workspaceSettings';

const USAGE = 'Usage: instar keeper [status | start | stop] [--workspace <folder>] [--folder <another folder of a multi-root workspace>]… [--state-dir <folder>] [--no-api] [--debug]';

interface KeeperArgs {
  workspace: string;
  /** The other folders of a multi-root workspace (their jobs run too; spawns may name them). */
  folders: string[];
  stateDir?: string;
  api: boolean;
  debug: boolean;
  /** A window's settings (it keeps the file current); else the workspace's .vscode/settings.json. */
  settingsFile?: string;
  lingerMinutes?: number;
}

function parse(argv: readonly string[]): KeeperArgs {
  const args: KeeperArgs = { workspace: process.cwd(), folders: [], api: true, debug: false };
  for (let i = 0; i < argv.length; i += 1) {
    const [name, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => {
      const found = inline ?? argv[++i];
      if (found === undefined || found === '') throw new Error(`${name} needs a folder.\n${USAGE}`);
      return path.resolve(found);
    };
    if (name === '--workspace') args.workspace = value();
    else if (name === '--folder') args.folders.push(value());
    else if (name === '--state-dir') args.stateDir = value();
    else if (name === '--settings-file') args.settingsFile = value();
    else if (name === '--linger-minutes') {
      const minutes = Number(inline ?? argv[++i]);
      if (!Number.isFinite(minutes) || minutes < 0) throw new Error(`--linger-minutes takes a number of minutes from 0.\n${USAGE}`);
      args.lingerMinutes = minutes;
    } else if (name === '--no-api') args.api = false;
    else if (name === '--debug') args.debug = true;
    else throw new Error(`Unknown argument ${JSON.stringify(argv[i])}.\n${USAGE}`);
  }
  return args;
}

const VERBS = ['status', 'start', 'stop'] as const;
type Verb = (typeof VERBS)[number];

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const verb = argv[0] !== undefined && !argv[0].startsWith('--') ? argv.shift() : undefined;
  if (verb !== undefined && !(VERBS as readonly string[]).includes(verb)) throw new Error(`Unknown keeper command ${JSON.stringify(verb)}: use status, start or stop, or none to run it here.\n${USAGE}`);
  const args = parse(argv);
  const stat = await fs.stat(args.workspace).catch(() => undefined);
  if (!stat?.isDirectory()) throw new Error(`The workspace ${args.workspace} is not a folder.\n${USAGE}`);
  const noted = await findWorkspace(args.workspace);
  // A state folder given (a window's): the key its windows noted with it, else the folder's own.
  const found = args.stateDir ? { stateDir: args.stateDir, workspaceKey: noted.stateDir === args.stateDir ? noted.workspaceKey : undefined, noted: false } : noted;
  if (verb !== undefined) return control(verb as Verb, args, found.stateDir);
  await fs.mkdir(found.stateDir, { recursive: true, mode: 0o700 });
  const logger = keeperLogger(found.stateDir, undefined, args.debug);
  if (!args.stateDir) logger.info(found.noted ? `State folder ${found.stateDir}, as the workspace's windows use it` : `State folder ${found.stateDir} (no window of this workspace noted one)`);
  const settings = args.settingsFile ? await readSettingsFile(args.settingsFile) : await readWorkspaceSettings(args.workspace);
  const version = await fs
    .readFile(path.join(__dirname, '..', 'package.json'), 'utf8')
    .then((text) => String((JSON.parse(text) as { version?: unknown }).version ?? 'unknown'))
    .catch(() => 'unknown');
  const keeper = new Keeper({
    workspace: args.workspace,
    folders: args.folders,
    stateDir: found.stateDir,
    workspaceKey: found.workspaceKey,
    settings,
    api: args.api && (args.settingsFile ? 'settings' : true),
    logger,
    version,
    cli: { runtime: process.execPath, script: path.join(__dirname, 'cli.js') },
    secret: await leadSecret(found.stateDir),
    lingerMs: args.lingerMinutes === undefined ? undefined : args.lingerMinutes * 60_000,
    onEnd: () => process.exit(0),
  });
  if (args.settingsFile) followSettingsFile(args.settingsFile, (next) => void keeper.setSettings(next), (message) => logger.warn(message));
  // What it keeps does not hold the process (the engine's timers and watchers never do; the API,
  // when there is one, would): it runs until stopped or it ends by itself, whatever it serves.
  const hold = setInterval(() => undefined, 60 * 60_000);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    clearInterval(hold);
    logger.info(`${signal}: stopping`);
    void keeper.dispose().finally(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  await keeper.start();
}

/** instar keeper status, start and stop: the keeper of a workspace, from a terminal. */
async function control(verb: Verb, args: KeeperArgs, stateDir: string): Promise<void> {
  const out = (text: string): void => void process.stdout.write(`${text}\n`);
  const running = await runningKeeper(stateDir);
  if (verb === 'status') {
    if (!running) return out(`No keeper runs for ${args.workspace} (state folder ${stateDir}).`);
    const api = running.port === undefined ? 'no API' : `its API on http://127.0.0.1:${running.port}`;
    return out(`The keeper of ${args.workspace} runs (pid ${running.pid}) since ${running.startedAt}, ${api}; its log: ${path.join(stateDir, 'keeper.log')}`);
  }
  if (verb === 'stop') {
    const pid = await stopKeeper(stateDir);
    return out(pid === undefined ? `No keeper ran for ${args.workspace}; windows will not start one until instar keeper start.` : `Stopped the keeper (pid ${pid}); the sessions go on in tmux.`);
  }
  if (running) return out(`The keeper of ${args.workspace} runs already (pid ${running.pid}).`);
  const settings = await readWorkspaceSettings(args.workspace);
  const pid = await startKeeper({ runtime: process.execPath, script: __filename, workspace: args.workspace, stateDir, lingerMinutes: settings.keeperLingerMinutes });
  // Up once it says so in keeper.json (or gone, having found nothing to do or another keeper).
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && isAlive(pid) && (await runningKeeper(stateDir))?.pid !== pid) await new Promise((resolve) => setTimeout(resolve, 100));
  if (!isAlive(pid)) throw new Error(`The keeper ended at once; its log says why: ${path.join(stateDir, 'keeper.log')}`);
  out(`Started the keeper of ${args.workspace} (pid ${pid}); it ends once nothing is left to keep for ${settings.keeperLingerMinutes} minutes. instar keeper stop stops it.`);
}

/** A window's settings as it wrote them (the resolved values), over the defaults. */
async function readSettingsFile(file: string): Promise<Settings> {
  const values = JSON.parse(await fs.readFile(file, 'utf8')) as Partial<Settings>;
  return { ...readSettings(() => undefined), ...values };
}

/** Reads the settings file again whenever the window writes it. */
function followSettingsFile(file: string, onChange: (settings: Settings) => void, warn: (message: string) => void): void {
  watchFileIn(
    path.dirname(file),
    path.basename(file),
    () => void readSettingsFile(file).then(onChange, (error: Error) => warn(`Could not read the settings the window wrote (${file}): ${error.message}`)),
    100,
  );
}

main().catch((error: Error) => {
  process.stderr.write(`instar keeper: ${error.message}\n`);
  process.exit(2);
});
