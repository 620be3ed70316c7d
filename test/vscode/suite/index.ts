/**
 * The test index the extension host loads (extensionTestsPath), as for @vscode/test-electron:
 * run() resolves when every test passed and rejects otherwise, and VS Code exits 0 or 1.
 * Mocha is bundled into this file. The suites are too, and are evaluated only once mocha has
 * set up its interface, so add each new `*.vscode.ts` file to SUITES (the build checks it).
 */
import Mocha from 'mocha';

const SUITES: Record<string, () => Promise<unknown>> = {
  'extension.vscode.ts': () => import('./extension.vscode'),
};

export async function run(): Promise<void> {
  const mocha = new Mocha({
    ui: 'bdd',
    reporter: 'spec',
    color: false,
    timeout: Number(process.env.INSTAR_TEST_TIMEOUT_MS ?? 30_000),
    grep: process.env.INSTAR_TEST_GREP,
  });
  // What `mocha.addFile` + `mocha.loadFiles` do, for bundled files: bind describe/it first.
  for (const [name, load] of Object.entries(SUITES)) {
    mocha.suite.emit('pre-require', globalThis, name, mocha);
    await load();
    mocha.suite.emit('require', undefined, name, mocha);
    mocha.suite.emit('post-require', globalThis, name, mocha);
  }
  const failures = await new Promise<number>((resolve) => mocha.run(resolve));
  if (failures > 0) throw new Error(`${failures} test${failures === 1 ? '' : 's'} failed`);
}
