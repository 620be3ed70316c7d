// The texts the extension translates at run time (vscode.l10n.t in src/vscode) as
// l10n/bundle.l10n.json, the file translators start from. `node scripts/l10n.mjs` writes it;
// `--check` (run by ./scripts/test) fails when it is not what the sources say.
import { execa } from 'execa';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const bundle = join(root, 'l10n', 'bundle.l10n.json');
const out = await mkdtemp(join(tmpdir(), 'instar-l10n-'));
try {
  await execa(join(root, 'node_modules', '.bin', 'vscode-l10n-dev'), ['export', '--outDir', out, join(root, 'src', 'vscode')], { cwd: root });
  // Sorted: the order files are found in may differ between clones.
  const texts = JSON.parse(await readFile(join(out, 'bundle.l10n.json'), 'utf8'));
  const exported = `${JSON.stringify(Object.fromEntries(Object.entries(texts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))), null, 2)}\n`;
  const count = Object.keys(JSON.parse(exported)).length;
  if (process.argv.includes('--check')) {
    const current = await readFile(bundle, 'utf8').catch(() => '');
    if (current !== exported) {
      console.error(`l10n/bundle.l10n.json is not what src/vscode translates (${count} texts there): run node scripts/l10n.mjs and commit it.`);
      process.exit(1);
    }
  } else {
    await writeFile(bundle, exported);
    console.log(`l10n/bundle.l10n.json: ${count} texts`);
  }
} finally {
  await rm(out, { recursive: true, force: true });
}
