// Bundles the tests that run inside a real VS Code into out/vscode/ (run it after
// `node scripts/build.mjs --tests`, which empties out/):
// - runner.js: starts code-server and Chromium, runs a test index in the extension host;
// - suite/index.js: the test index the extension host loads, with mocha and every
//   suite/*.vscode.ts in it (`vscode` is the host's);
// - ui/*.js: Playwright checks of the workbench (test/vscode/ui/*.ui.ts).
// playwright-core stays external: it finds its own files relative to its package.
import * as esbuild from 'esbuild';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const src = join(root, 'test', 'vscode');
const out = join(root, 'out', 'vscode');

// A suite file the index does not list would never run: refuse to build.
const index = readFileSync(join(src, 'suite', 'index.ts'), 'utf8');
const unlisted = readdirSync(join(src, 'suite')).filter((name) => name.endsWith('.vscode.ts') && !index.includes(`'./${name.replace(/\.ts$/, '')}'`));
if (unlisted.length) {
  console.error(`test/vscode/suite/index.ts does not import ${unlisted.join(', ')}: add them to SUITES.`);
  process.exit(1);
}

const uiDir = join(src, 'ui');
const uiEntries = existsSync(uiDir) ? readdirSync(uiDir).filter((name) => name.endsWith('.ui.ts')).map((name) => join(uiDir, name)) : [];

const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  sourcemap: 'inline',
  logLevel: 'warning',
  absWorkingDir: root,
};

rmSync(out, { recursive: true, force: true });
await Promise.all([
  // Runs on the machine's Node (20).
  esbuild.build({
    ...common,
    target: 'node20',
    entryPoints: [join(src, 'runner.ts'), ...uiEntries],
    outdir: out,
    outbase: src,
    external: ['playwright-core'],
  }),
  // Runs in code-server's extension host (Node 24).
  esbuild.build({
    ...common,
    target: 'node20',
    entryPoints: [join(src, 'suite', 'index.ts')],
    outfile: join(out, 'suite', 'index.js'),
    external: ['vscode'],
    // Mocha's parallel mode (not used) resolves worker files at run time.
    logOverride: { 'require-resolve-not-external': 'silent' },
  }),
]);
