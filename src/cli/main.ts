/** The `instar` program: runs one command and exits with its status. */
import * as path from 'node:path';
import { runCli } from './instarCli';

/** The keeper (dist/keeper.js beside this file) in the foreground, with this runtime; signals reach it. */
async function runKeeper(args: string[]): Promise<number> {
  // execa is dist/execa.js, read only here: the other commands, which agents run all the time, never load it.
  const { execa } = await import('execa');
  const child = execa(process.execPath, [path.join(__dirname, 'keeper.js'), ...args], { stdio: 'inherit', reject: false, env: { ELECTRON_RUN_AS_NODE: '1' } });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  const result = await child;
  return result.exitCode ?? (result.signal ? 128 : 1);
}

/** The MCP server (dist/mcp.js beside this file, with the SDK in it), in this process. */
async function runMcp(cwd: string): Promise<number> {
  // Read only here, by a path esbuild leaves alone: the other commands never load the SDK.
  const file = path.join(__dirname, 'mcp.js');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded by a path at run time, so the bundle of every other command leaves the SDK out
  const { serveMcp } = require(file) as { serveMcp: (env: NodeJS.ProcessEnv, cwd: string) => Promise<number> };
  return serveMcp(process.env, cwd);
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

void runCli(process.argv.slice(2), {
  env: process.env,
  cwd: process.cwd(),
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  stdin: readStdin,
  runKeeper,
  runMcp,
}).then((status) => {
  process.exitCode = status;
});
