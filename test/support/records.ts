/** A session record for unit tests: a Claude Code session named `name`, as the engine would hold it, with `overrides`. */
import type { SessionRecord } from '../../src/core/model/sessionRecord';

export const RECORD_T0 = 1_800_000_000_000;

export function sessionRecord(name: string, overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    name,
    id: `id-${name}`,
    status: 'running',
    statusSince: RECORD_T0,
    statusSignal: 'hook',
    model: 'sonnet',
    prompt: 'p',
    promptBytes: 1,
    cwd: '/tmp',
    permissionMode: 'default',
    agentKind: 'claude',
    agentCommand: 'claude',
    createdAt: RECORD_T0,
    tmuxSocket: 'instar',
    tmuxSession: name,
    ...overrides,
  };
}
