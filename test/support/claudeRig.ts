/** What every real-claude suite starts with: an engine on a private tmux server running the real `binary`, the fake Messages API, a trusted project folder. */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ClaudeHome, makeClaudeHome } from './claudeEnv';
import { Harness, REPO, startHarness } from './engineHarness';
import { FakeMessagesApi } from './fakeMessagesApi';
import { scriptedReply } from './scriptedReplies';

export interface ClaudeRig {
  h: Harness;
  api: FakeMessagesApi;
  home: ClaudeHome;
  /** The project folder sessions run in. */
  cwd: string;
  dispose(): Promise<void>;
}

export async function startClaudeRig(label: string, binary: string, monitorIntervalMs: number): Promise<ClaudeRig> {
  const api = await FakeMessagesApi.start(scriptedReply);
  // As the extension runs them: the instar command on every agent's PATH.
  const cli = { runtime: process.execPath, script: join(REPO, 'dist', 'cli.js') };
  const h = await startHarness(label, { agentCommand: binary, monitorIntervalMs, cli });
  const cwd = join(h.root, 'project');
  await mkdir(cwd);
  const home = await makeClaudeHome({ baseUrl: api.url, trustedDirs: [cwd] });
  h.engine.configure({ agentEnv: home.env });
  return {
    h,
    api,
    home,
    cwd,
    async dispose() {
      await h.dispose();
      await api.close();
      await home.dispose();
    },
  };
}
