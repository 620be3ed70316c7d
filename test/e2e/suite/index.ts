/**
 * The mocha entry the extension host loads (extensionTestsPath), as for @vscode/test-electron:
 * `run()` resolves when every test passed. INSTAR_E2E_MODE picks the suite.
 */
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 120_000, reporter: 'spec' });
  mocha.suite.emit('pre-require', globalThis, 'instar-e2e', mocha);
  if (process.env.INSTAR_E2E_MODE === 'untrusted') require('./untrusted.vscode');
  else {
    require('./extension.vscode');
    require('./answers.vscode');
    require('./chat.vscode');
  }
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} test(s) failed`)) : resolve()));
  });
}
