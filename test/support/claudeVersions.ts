/**
 * The Claude Code versions the real-claude suite runs against: the pinned one (node_modules,
 * the oldest supported) and those of test/claude-versions.json, which scripts/setup.sh installs
 * into ~/.cache/instar-sessions-claude/<version>. INSTAR_TEST_CLAUDE=<path> runs one binary only.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './engineHarness';

export interface ClaudeUnderTest {
  /** "2.1.197 (pinned)", "2.1.332". */
  label: string;
  binary: string;
}

export const CLAUDE_CACHE = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'instar-sessions-claude');

export function claudesUnderTest(): ClaudeUnderTest[] {
  const only = process.env.INSTAR_TEST_CLAUDE;
  if (only) return [{ label: only, binary: only }];
  const pinned = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies['@anthropic-ai/claude-code'];
  const { matrix } = JSON.parse(readFileSync(join(REPO, 'test', 'claude-versions.json'), 'utf8')) as { matrix: string[] };
  return [
    { label: `${pinned} (pinned)`, binary: join(REPO, 'node_modules', '.bin', 'claude') },
    ...matrix.map((version) => {
      const binary = join(CLAUDE_CACHE, version, 'node_modules', '.bin', 'claude');
      if (!existsSync(binary)) throw new Error(`Claude Code ${version} is not installed at ${binary}: ./scripts/test installs the versions of test/claude-versions.json.`);
      return { label: version, binary };
    }),
  ];
}
