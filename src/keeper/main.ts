/**
 * `dist/keeper.js`: the keeper of one workspace, in the foreground until SIGINT or SIGTERM (for a
 * server with no VS Code, or systemd). `instar keeper` runs it.
 *
 *   keeper.js [--workspace <folder>] [--state-dir <folder>] [--no-api] [--debug]
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { findWorkspace } from '../core/lead/workspaceDirectory';
import { Keeper } from './keeper';
import { keeperLogger } from './keeperLog';
import { readWorkspaceSettings } from './workspaceSettings';

const USAGE = 'Usage: instar keeper [--workspace <folder>] [--state-dir <folder>] [--no-api] [--debug]';

interface KeeperArgs {
  workspace: string;
  stateDir?: string;
  api: boolean;
  debug: boolean;
}

function parse(argv: readonly string[]): KeeperArgs {
  const args: KeeperArgs = { workspace: process.cwd(), api: true, debug: false };
  for (let i = 0; i < argv.length; i += 1) {
    const [name, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => {
      const found = inline ?? argv[++i];
      if (found === undefined || found === '') throw new Error(`${name} needs a folder.\n${USAGE}`);
      return path.resolve(found);
    };
    if (name === '--workspace') args.workspace = value();
    else if (name === '--state-dir') args.stateDir = value();
    else if (name === '--no-api') args.api = false;
    else if (name === '--debug') args.debug = true;
    else throw new Error(`Unknown argument ${JSON.stringify(argv[i])}.\n${USAGE}`);
  }
  return args;
}

async function main(): Promise<void> {
  const args = parse(process.argv.slice(2));
  const stat = await fs.stat(args.workspace).catch(() => undefined);
  if (!stat?.isDirectory()) throw new Error(`The workspace ${args.workspace} is not a folder.\n${USAGE}`);
  const found = args.stateDir ? { stateDir: args.stateDir, workspaceKey: undefined, noted: false } : await findWorkspace(args.workspace);
  await fs.mkdir(found.stateDir, { recursive: true, mode: 0o700 });
  const logger = keeperLogger(found.stateDir, undefined, args.debug);
  if (!args.stateDir) logger.info(found.noted ? `State folder ${found.stateDir}, as the workspace's windows use it` : `State folder ${found.stateDir} (no window of this workspace noted one)`);
  const settings = await readWorkspaceSettings(args.workspace);
  const version = await fs
    .readFile(path.join(__dirname, '..', 'package.json'), 'utf8')
    .then((text) => String((JSON.parse(text) as { version?: unknown }).version ?? 'unknown'))
    .catch(() => 'unknown');
  const keeper = new Keeper({
    workspace: args.workspace,
    stateDir: found.stateDir,
    workspaceKey: found.workspaceKey,
    settings,
    api: args.api,
    logger,
    version,
    cli: { runtime: process.execPath, script: path.join(__dirname, 'cli.js') },
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: stopping`);
    void keeper.dispose().finally(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  await keeper.start();
}

main().catch((error: Error) => {
  process.stderr.write(`instar keeper: ${error.message}\n`);
  process.exit(2);
});
