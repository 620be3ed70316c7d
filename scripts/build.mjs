// Bundles with esbuild: the extension into dist/extension.js (CommonJS, `vscode` external), and
// with --tests every test and benchmark entry into out/, bundled the same way, so tests run the
// code as the product ships it.
import * as esbuild from 'esbuild';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const args = new Set(process.argv.slice(2));
const production = args.has('--production');

const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external: ['vscode'],
  // Its main file is a UMD build whose requires esbuild cannot follow; its ES modules bundle.
  alias: { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' },
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
};

// execa and its dependencies (40 % of the code) go to a file of their own, read on the first
// process that is not tmux: not on the way to activation.
const execaApart = {
  name: 'execa-apart',
  setup(build) {
    build.onResolve({ filter: /^execa$/ }, () => ({ path: './execa.js', external: true }));
  },
};

/** Files under `dir` whose names match `pattern`. */
function find(dir, pattern) {
  if (!existsSync(dir)) return [];
  let found = [];
  for (const name of readdirSync(dir)) {
    const file = join(dir, name);
    if (statSync(file).isDirectory()) found = found.concat(find(file, pattern));
    else if (pattern.test(name)) found.push(file);
  }
  return found;
}

if (args.has('--tests')) {
  rmSync('out', { recursive: true, force: true });
  // test/e2e/suite/index.ts is the mocha entry VS Code's extension host loads.
  // *.child.ts: programs the tests start as processes of their own (an engine host to SIGKILL).
  const entryPoints = [...find('test', /\.(test|child)\.ts$/), 'test/e2e/suite/index.ts', 'test/e2e/electron.ts', ...find('bench', /^main\.ts$/)];
  await esbuild.build({ ...common, entryPoints, outdir: 'out', outbase: '.', sourcemap: 'inline', external: ['vscode', 'mocha', 'playwright-core', '@vscode/test-electron'] });
  await buildCli();
  await buildKeeper();
} else {
  // Activation loads only dist/extension.js (the view, the commands, the schemes: a few KiB);
  // the rest, dist/main.js, loads right after it returned.
  const mainApart = {
    name: 'main-apart',
    setup(build) {
      build.onResolve({ filter: /^\.\/vscode\/main$/ }, (args) => (args.importer.endsWith(join('src', 'extension.ts')) ? { path: './main.js', external: true } : undefined));
    },
  };
  await esbuild.build({ ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', plugins: [mainApart] });
  await esbuild.build({ ...common, entryPoints: ['src/vscode/main.ts'], outfile: 'dist/main.js', plugins: [execaApart] });
  await esbuild.build({ ...common, stdin: { contents: "export * from 'execa';", resolveDir: '.', sourcefile: 'execa-entry.js' }, outfile: 'dist/execa.js' });
  await buildCli();
  await buildKeeper();
}

/** The keeper (dist/keeper.js), which `instar keeper` and windows start: the engine's code with execa in it (it starts once, off every hot path). */
async function buildKeeper() {
  await esbuild.build({ ...common, entryPoints: ['src/keeper/main.ts'], outfile: 'dist/keeper.js' });
}

/** The `instar` command line (dist/cli.js), which spawned sessions find on their PATH, and its MCP server (dist/mcp.js, with the SDK). */
async function buildCli() {
  // execa stays in dist/execa.js (built with the extension): only instar keeper runs a process.
  await esbuild.build({ ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' }, plugins: [execaApart] });
  await esbuild.build({ ...common, entryPoints: ['src/cli/mcp/serve.ts'], outfile: 'dist/mcp.js', plugins: [execaApart] });
}
