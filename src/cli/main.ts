/** The `instar` program: runs one command and exits with its status. */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { runCli } from './instarCli';

/** The keeper (dist/keeper.js beside this file) in the foreground, with this runtime; signals reach it. */
function runKeeper(args: string[]): Promise<number> {
  const child = spawn(process.execPath, [path.join(__dirname, 'keeper.js'), ...args], { stdio: 'inherit' });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  process.on('SIGINT', forward('SIGINT'));
  process.on('SIGTERM', forward('SIGTERM'));
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1))));
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
}).then((status) => {
  process.exitCode = status;
});
