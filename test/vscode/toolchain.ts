/**
 * Where code-server, the Node 24 it runs on and Chromium are. scripts/test-vscode.sh exports
 * them (NODE24, CODE_SERVER, CHROMIUM) after running scripts/code-server.sh; without them the
 * script is run here (it installs once, then only checks).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface Toolchain {
  /** Node 24's binary. */
  node24: string;
  /** code-server's out/node/entry.js. */
  codeServer: string;
  chromium: string;
}

/** The repository's root: the bundles run from out/vscode/…, the sources from test/vscode/…. */
export function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'scripts', 'code-server.sh'))) {
    const parent = resolve(dir, '..');
    if (parent === dir) throw new Error(`No repository root above ${__dirname}`);
    dir = parent;
  }
  return dir;
}

export function toolchain(repo = repoRoot()): Toolchain {
  let values: Record<string, string | undefined> = process.env;
  if (!values.NODE24 || !values.CODE_SERVER) {
    const output = execFileSync('bash', [join(repo, 'scripts', 'code-server.sh')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: 30 * 60_000,
    });
    values = Object.fromEntries(
      output
        .split('\n')
        .filter((line) => line.includes('='))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
  }
  const tools = { node24: values.NODE24 ?? '', codeServer: values.CODE_SERVER ?? '', chromium: values.CHROMIUM || '/usr/bin/chromium' };
  for (const [name, path] of Object.entries(tools)) {
    if (!path || !existsSync(path)) throw new Error(`${name} not found (${path || 'unset'}): run scripts/code-server.sh`);
  }
  return tools;
}
