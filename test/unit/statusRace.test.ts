/**
 * Refresh racing hook events, as a property: one real turn of Claude Code (its hooks at known
 * moments) and screens captured at random moments that reach the store late and out of order,
 * like a refresh that captured before a hook and applied after it. Whatever the interleaving, no
 * state goes backwards.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SessionRecord, SessionStatus } from '../../src/core/model/sessionRecord';
import { SessionStore } from '../../src/core/sessions/sessionStore';
import type { ScreenKind } from '../../src/core/status/screen';
import { StatusInput, transition } from '../../src/core/status/transitions';
import { silentLogger } from '../../src/core/util/host';
import { MemoryStorage } from '../support/storage';
import { prng } from '../support/prng';

const T0 = 1_800_000_000_000;

/** The hooks of one turn with a tool call, at their moments (ms after T0). */
const HOOKS: [string, number][] = [
  ['SessionStart', 500],
  ['UserPromptSubmit', 2000],
  ['PreToolUse', 3000],
  ['PostToolUse', 3500],
  ['Stop', 5000],
];

/**
 * What the screen shows at a moment of that turn: an empty input box before the prompt is taken,
 * and on a loaded machine the spinner comes late after UserPromptSubmit and stays a while after
 * Stop (the hooks run before Claude Code redraws).
 */
function screenAt(t: number, lag: { start: number; end: number }): ScreenKind {
  return t >= 2000 + lag.start && t < 5000 + lag.end ? 'working' : 'idle';
}

/** What is true at a moment, from the hooks alone. */
function truthAt(t: number): SessionStatus {
  return t < 2000 ? 'starting' : t < 5000 ? 'running' : 'idle';
}

const ORDER: Record<string, number> = { starting: 0, running: 1, idle: 2 };

function freshRecord(): SessionRecord {
  return {
    name: 'race',
    id: 'race-id',
    status: 'starting',
    statusSince: T0,
    statusSignal: 'spawn',
    model: 'sonnet',
    prompt: 'do it',
    promptBytes: 5,
    cwd: '/',
    permissionMode: 'bypassPermissions',
    agentKind: 'claude',
    agentCommand: 'claude',
    createdAt: T0,
    tmuxSocket: 'x',
    tmuxSession: 'race',
    runs: 1,
  };
}

describe('refresh racing hook events', () => {
  it('never goes backwards, whatever the interleaving (500 seeded runs)', () => {
    for (let seed = 1; seed <= 500; seed += 1) {
      const random = prng(seed);
      // Every input with the moment it is applied: hooks shortly after they fire, screens captured
      // at random moments and applied up to 3 s later (a slow refresh).
      const inputs: { appliedAt: number; input: StatusInput }[] = HOOKS.map(([name, at]) => ({
        appliedAt: at + random() * 50,
        input: { kind: 'hook', event: { sessionId: 'race-id', name, at: T0 + at, order: String(at).padStart(6, '0') } },
      }));
      const lag = { start: random() * 1500, end: random() * 1500 };
      for (let i = 0; i < 25; i += 1) {
        const capturedAt = random() * 8000;
        const kind = screenAt(capturedAt, lag);
        inputs.push({ appliedAt: capturedAt + random() * 3000, input: { kind: 'screen', screen: { kind }, at: T0 + capturedAt, quietMs: kind === 'working' ? 0 : 1500 } });
      }
      inputs.sort((a, b) => a.appliedAt - b.appliedAt);

      const store = new SessionStore(new MemoryStorage(), silentLogger);
      store.add(freshRecord());
      let rev = store.get('race')!.rev ?? 0;
      let newest = 0;
      for (const { appliedAt, input } of inputs) {
        store.update('race', 'race-id', (current) => transition(current, input));
        const record = store.get('race')!;
        assert.ok((record.rev ?? 0) >= rev, `seed ${seed}: the version went back`);
        rev = record.rev ?? 0;
        // Hooks applied so far say at least this much; the record may not say less.
        if (input.kind === 'hook') newest = Math.max(newest, ORDER[truthAt(input.event.at - T0)]);
        assert.ok(ORDER[record.status] >= newest, `seed ${seed} at ${Math.round(appliedAt)} ms: ${record.status} after the hooks said ${truthAt(newest === 2 ? 5000 : newest === 1 ? 2000 : 0)}`);
        if (record.status === 'idle') assert.ok(record.lastPromptAt !== undefined, `seed ${seed}: idle before the prompt was taken`);
      }
      assert.equal(store.get('race')!.status, 'idle', `seed ${seed}: the turn ended idle`);
      assert.equal(store.get('race')!.statusSignal, 'hook', `seed ${seed}: idle by its Stop hook, not by a late screen`);
    }
  });
});
