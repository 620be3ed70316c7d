/**
 * The same in-VS Code suite on desktop VS Code through @vscode/test-electron, for machines
 * that can download VS Code (these cannot: the test command uses code-server instead).
 * Build with `node scripts/build.mjs --tests`, then: node out/test/e2e/electron.js
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTests } from '@vscode/test-electron';
import { makeClaudeHome } from '../support/claudeEnv';
import { REPO } from '../support/engineHarness';
import { FakeMessagesApi } from '../support/fakeMessagesApi';
import { scriptedReply } from '../support/scriptedReplies';
import { cleanupSocket, privateSocket } from '../support/tmuxServer';

async function main(): Promise<number> {
  const api = await FakeMessagesApi.start(scriptedReply);
  const root = await mkdtemp(join(tmpdir(), 'instar-electron-'));
  const folder = join(root, 'workspace');
  const userData = join(root, 'user-data');
  await mkdir(folder, { recursive: true });
  await mkdir(join(userData, 'User'), { recursive: true });
  const home = await makeClaudeHome({ baseUrl: api.url, trustedDirs: [folder] });
  const socket = privateSocket('electron');
  await writeFile(
    join(userData, 'User', 'settings.json'),
    JSON.stringify({
      'instar.agent.command': join(REPO, 'node_modules', '.bin', 'claude'),
      'instar.agent.environment': home.env,
      'instar.tmux.socket': socket,
      'instar.notifications': 'off',
    }),
  );
  try {
    await runTests({
      extensionDevelopmentPath: REPO,
      extensionTestsPath: join(REPO, 'out', 'test', 'e2e', 'suite', 'index.js'),
      launchArgs: [folder, '--user-data-dir', userData, '--disable-workspace-trust', '--disable-extensions'],
      extensionTestsEnv: { INSTAR_E2E_MODE: 'trusted' },
    });
    return 0;
  } catch (error) {
    console.error(error);
    return 1;
  } finally {
    cleanupSocket(socket);
    await home.dispose();
    await api.close();
    await rm(root, { recursive: true, force: true });
  }
}

void main().then((code) => process.exit(code));
