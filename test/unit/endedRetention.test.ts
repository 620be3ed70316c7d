import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SessionRecord } from '../../src/core/model/sessionRecord';
import { endedPastLimit } from '../../src/core/sessions/endedRetention';
import { RECORD_T0, sessionRecord } from '../support/records';

const T0 = RECORD_T0;
const record = (name: string, overrides: Partial<SessionRecord> = {}): SessionRecord => sessionRecord(name, { status: 'completed', statusSignal: 'exit', ...overrides });

describe('the ended sessions past the limit', () => {
  const records = [
    record('live', { status: 'running', createdAt: T0 - 9_000 }),
    record('newest', { endedAt: T0 + 5000 }),
    record('oldest', { endedAt: T0 + 1000 }),
    record('lost', { status: 'lost', endedAt: T0 + 3000 }),
    record('worktree', { endedAt: T0, worktree: { path: '/w', branch: 'b', base: 'main', baseCommit: 'abc' } as SessionRecord['worktree'] }),
    record('discarded', { endedAt: T0 + 500, worktree: { path: '/w2', branch: 'c', base: 'main', baseCommit: 'abc' } as SessionRecord['worktree'], worktreeDiscarded: true }),
    record('killed', { status: 'killed', endedAt: T0 + 4000 }),
  ];

  it('are the oldest by when they ended, never a live one nor one whose worktree is still there', () => {
    assert.deepEqual(endedPastLimit(records, 2).map((r) => r.name), ['discarded', 'oldest', 'lost']);
    assert.deepEqual(endedPastLimit(records, 4).map((r) => r.name), ['discarded']);
    assert.deepEqual(endedPastLimit(records, 5), []);
    assert.deepEqual(endedPastLimit(records, 1).map((r) => r.name), ['discarded', 'oldest', 'lost', 'killed']);
  });

  it('are none where the limit is 0 (every one kept)', () => {
    assert.deepEqual(endedPastLimit(records, 0), []);
  });
});
