/**
 * The layers of the source, checked on the real import graph: the core never imports `vscode`
 * or the VS Code side, and each core folder imports only from folders below it.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, it } from 'node:test';
import { REPO } from '../support/engineHarness';

/** Core folders from the bottom up: a folder may import itself and the folders before it. */
const CORE_LAYERS = ['model', 'util', 'tmux', 'agent', 'status', 'git', 'usage', 'terminal', 'sessions', 'settings', 'presentation', 'notify', 'jobs', 'lead', 'http', 'mcp'];

interface SourceFile {
  /** Path from the repository root, with "/" separators. */
  path: string;
  imports: string[];
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^'"`;]*?from\s*['"]([^'"]+)['"]|(?:^|\n)\s*import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)|\brequire\(\s*['"]([^'"]+)['"]\s*\)/g;

function importsOf(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(IMPORT)) found.push(match[1] ?? match[2] ?? match[3] ?? match[4]);
  return found;
}

function sources(dir: string): SourceFile[] {
  const files: SourceFile[] = [];
  for (const name of readdirSync(dir)) {
    const file = join(dir, name);
    if (statSync(file).isDirectory()) files.push(...sources(file));
    else if (name.endsWith('.ts')) files.push({ path: relative(REPO, file).split(sep).join('/'), imports: importsOf(readFileSync(file, 'utf8')) });
  }
  return files;
}

/** The hosts: each builds an engine (or a client of one) and connects it; none imports another. */
const HOSTS = ['src/vscode/', 'src/cli/', 'src/keeper/'];

/** Where an import lands, from the repository root ("src/core/model/x"), or the bare module name. */
function target(from: string, specifier: string): string {
  if (!specifier.startsWith('.')) return specifier;
  return relative(REPO, resolve(REPO, dirname(from), specifier)).split(sep).join('/');
}

/** Every import that breaks the layers, as "file → import: why". */
function layerViolations(files: readonly SourceFile[]): string[] {
  const problems: string[] = [];
  for (const file of files) {
    const inCore = file.path.startsWith('src/core/');
    const layer = inCore ? file.path.split('/')[2] : undefined;
    if (inCore && (layer === undefined || !CORE_LAYERS.includes(layer) || !file.path.slice('src/core/'.length).includes('/'))) {
      problems.push(`${file.path}: not in a known core layer (${CORE_LAYERS.join(', ')}); add its folder to CORE_LAYERS`);
      continue;
    }
    for (const specifier of file.imports) {
      const to = target(file.path, specifier);
      const host = HOSTS.find((folder) => file.path.startsWith(folder));
      const other = HOSTS.find((folder) => folder !== host && to.startsWith(folder));
      if (host && other) problems.push(`${file.path} → ${specifier}: a host never imports another (${other.slice(4, -1)})`);
      if (!inCore) continue;
      if (to === 'vscode' || to.startsWith('vscode/')) problems.push(`${file.path} → ${specifier}: the core never imports vscode`);
      else if (to.startsWith('src/') && !to.startsWith('src/core/')) problems.push(`${file.path} → ${specifier}: the core never imports the VS Code side`);
      else if (to.startsWith('src/core/')) {
        const toLayer = to.split('/')[2];
        const allowed = layer === 'model' ? ['model'] : CORE_LAYERS.slice(0, CORE_LAYERS.indexOf(layer!) + 1);
        if (!allowed.includes(toLayer)) problems.push(`${file.path} → ${specifier}: core/${layer} may not import core/${toLayer} (a higher layer)`);
      } else if (to.startsWith('test/') || to.startsWith('bench/')) problems.push(`${file.path} → ${specifier}: product code never imports tests`);
    }
  }
  return problems;
}

describe('layering', () => {
  it('finds imports that break the layers (the checker itself)', () => {
    const bad = layerViolations([
      { path: 'src/core/model/sessionRecord.ts', imports: ['../util/errors'] },
      { path: 'src/core/tmux/commands.ts', imports: ['vscode', '../sessions/sessionStore', './parse', '../util/text'] },
      { path: 'src/core/sessions/spawner.ts', imports: ['../../vscode/settings', '../tmux/commands', 'node:fs'] },
      { path: 'src/core/stray.ts', imports: [] },
      { path: 'src/core/newthing/x.ts', imports: [] },
      { path: 'src/vscode/views/sessionTree.ts', imports: ['vscode', '../../core/sessions/sessionEngine'] },
      { path: 'src/keeper/keeper.ts', imports: ['../vscode/settings', '../core/sessions/sessionEngine'] },
    ]);
    assert.deepEqual(bad, [
      'src/core/model/sessionRecord.ts → ../util/errors: core/model may not import core/util (a higher layer)',
      'src/core/tmux/commands.ts → vscode: the core never imports vscode',
      'src/core/tmux/commands.ts → ../sessions/sessionStore: core/tmux may not import core/sessions (a higher layer)',
      'src/core/sessions/spawner.ts → ../../vscode/settings: the core never imports the VS Code side',
      `src/core/stray.ts: not in a known core layer (${CORE_LAYERS.join(', ')}); add its folder to CORE_LAYERS`,
      `src/core/newthing/x.ts: not in a known core layer (${CORE_LAYERS.join(', ')}); add its folder to CORE_LAYERS`,
      'src/keeper/keeper.ts → ../vscode/settings: a host never imports another (vscode)',
    ]);
  });

  it('holds in the source', () => {
    const files = sources(join(REPO, 'src'));
    assert.ok(files.length > 40, `read the source (${files.length} files)`);
    assert.ok(files.some((file) => file.path === 'src/core/sessions/sessionEngine.ts' && file.imports.includes('./sessionStore')), 'imports are parsed');
    assert.deepEqual(layerViolations(files), []);
  });
});
