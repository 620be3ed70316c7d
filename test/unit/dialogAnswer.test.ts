/**
 * The answer to a dialog, against a simulated Claude Code whose screens are real captures with
 * the "❯" moved as keys arrive: it lands on the chosen option, or sends nothing more than the
 * keys whose effect it saw, and says why. Each misbehaviour here was seen or is possible: a
 * key taken twice or not at all (2.1.197 read a burst as one key), another dialog drawn in the
 * middle, an Enter that did not close the dialog (2.1.332 ignores one that comes too soon after
 * the dialog is drawn), a refused tool that ran anyway.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ANSWER_LIMITS, chooseOption, DialogIo, Progress } from '../../src/core/sessions/dialogAnswer';
import { findOption, parseDialog } from '../../src/core/status/dialog';
import { classifyScreen } from '../../src/core/status/screen';
import { isInstarError } from '../../src/core/util/errors';
import { REPO } from '../support/engineHarness';

const capture = (version: string, file: string) => readFileSync(join(REPO, 'test', 'fixtures', 'screens', version, file), 'utf8');

/** The capture with the "❯" on option `index` (0-based) of its numbered dialog. */
function withSelection(text: string, index: number): string {
  const lines = text.split('\n').map((line) => line.replace(/^(\s*)❯ (\d+\. )/, '$1  $2'));
  let at = lines.length - 1;
  while (at > 0 && !new RegExp(`^\\s*${index + 1}\\. `).test(lines[at])) at -= 1;
  lines[at] = lines[at].replace(/^(\s*) {2}(\d+\. )/, '$1❯ $2');
  return lines.join('\n');
}

interface Behaviour {
  /** How many options one Down/Up moves (2 for a key taken twice, 0 for one lost). */
  step?: (keyNumber: number) => number;
  /** Reads (after the first key) at which another dialog shows instead. */
  replaceAfterKeys?: number;
  /** Enter leaves the dialog on screen (every one, or this many). */
  enterIgnored?: boolean | number;
  /** An Enter before this time (the dialog drawn at 0) is ignored, as 2.1.332 does. */
  enterGuardMs?: number;
  /** What an ignored Enter still changes: nothing, a line of the screen, or the record (an event). */
  ignoredEnterChanges?: 'screen' | 'event';
  /** A refusal still runs the tool (a PostToolUse comes). */
  runsAnyway?: boolean;
}

/** A session showing `file` of `version`, taking keys as `behaviour` says, on a fake clock. */
function simulated(version: string, file: string, behaviour: Behaviour = {}) {
  const base = capture(version, file);
  const dialog = parseDialog(base)!;
  let selected = dialog.selected;
  let screen = base;
  let clock = 0;
  let keysSeen = 0;
  const sent: string[] = [];
  /** When each key was pressed, on the fake clock. */
  const pressedAt: number[] = [];
  let enters = 0;
  const progress: Progress = { toolCalls: 3, eventCursor: 'a', lastEvent: 'PermissionRequest', status: 'waiting' };
  const other = capture(version, 'trust-dialog.txt');
  const io: DialogIo = {
    read: async () => ({ ...classifyScreen(screen), text: screen }),
    press: async (key) => {
      sent.push(key);
      pressedAt.push(clock);
      if (key === 'Enter') {
        enters += 1;
        const ignored = behaviour.enterIgnored === true || enters <= Number(behaviour.enterIgnored ?? 0) || clock < (behaviour.enterGuardMs ?? 0);
        if (ignored) {
          if (behaviour.ignoredEnterChanges === 'screen') screen += '\n  ✻ Tip: a line drawn meanwhile';
          if (behaviour.ignoredEnterChanges === 'event') Object.assign(progress, { eventCursor: 'n', lastEvent: 'Notification' });
          return;
        }
        const refused = /^No/.test(dialog.options[selected].label);
        screen = capture(version, refused && !behaviour.runsAnyway ? 'after-deny.txt' : 'idle.txt');
        if (!refused || behaviour.runsAnyway) Object.assign(progress, { toolCalls: progress.toolCalls + 1, eventCursor: 'b', lastEvent: 'PostToolUse', status: 'running' });
        return;
      }
      keysSeen += 1;
      if (behaviour.replaceAfterKeys !== undefined && keysSeen > behaviour.replaceAfterKeys) {
        screen = other;
        return;
      }
      const step = behaviour.step?.(keysSeen) ?? 1;
      selected = Math.max(0, Math.min(dialog.options.length - 1, selected + (key === 'Down' ? step : -step)));
      screen = withSelection(base, selected);
    },
    progress: () => ({ ...progress }),
    sleep: async (ms) => void (clock += ms),
    now: () => clock,
  };
  return { io, dialog, sent, pressedAt, kind: classifyScreen(base).kind };
}

/** Chooses `label` of the simulated dialog, first seen at 0 on the fake clock. */
async function choose(sim: ReturnType<typeof simulated>, label: string) {
  return chooseOption(sim.io, { dialog: sim.dialog, kind: sim.kind, seenAt: 0 }, findOption(sim.dialog, label), ANSWER_LIMITS);
}

describe('answering a dialog', () => {
  for (const version of ['2.1.197', '2.1.260', '2.1.332']) {
    it(`${version}: every option of the permission dialog, one key at a time, with what came of it`, async () => {
      const labels = simulated(version, 'permission-dialog.txt').dialog.options.map((option) => option.label);
      assert.ok(labels.length >= 3);
      for (const [index, label] of labels.entries()) {
        const sim = simulated(version, 'permission-dialog.txt');
        const result = await choose(sim, label);
        assert.deepEqual(sim.sent, [...Array<string>(index).fill('Down'), 'Enter']);
        assert.equal(result.option.label, label);
        assert.equal(result.outcome, label === 'No' ? 'refused' : 'allowed');
      }
    });
  }

  it('chooses the last answer of a question with Up and Down alike', async () => {
    const sim = simulated('2.1.332', 'question-dialog.txt');
    const result = await choose(sim, 'Purple');
    assert.deepEqual(sim.sent, ['Down', 'Down', 'Down', 'Enter']);
    assert.equal(result.outcome, 'chosen');
    const back = simulated('2.1.332', 'question-dialog-last-selected.txt');
    await choose(back, 'Purple');
    assert.deepEqual(back.sent, ['Up', 'Up', 'Enter']);
  });

  it('sends no Enter when a key moved the selection twice (the burst 2.1.197 misread)', async () => {
    const sim = simulated('2.1.197', 'permission-dialog.txt', { step: () => 2 });
    await assert.rejects(choose(sim, 'No'), (error: Error) => isInstarError(error, 'answer-failed') && /Down should have selected "Yes, and always allow.*but "No" is selected.*Sent so far: Down; nothing more was sent/.test(error.message));
    assert.deepEqual(sim.sent, ['Down']);
  });

  it('sends no Enter when a key was lost, once the time for it is up', async () => {
    const sim = simulated('2.1.332', 'permission-dialog.txt', { step: (n) => (n === 2 ? 0 : 1) });
    await assert.rejects(choose(sim, 'No'), /should have selected "Yes, and switch to auto mode.*but "Yes, and always allow.*is selected.*Sent so far: Down, Down;/);
    assert.deepEqual(sim.sent, ['Down', 'Down']);
  });

  it('stops when another dialog shows while the selection moves', async () => {
    const sim = simulated('2.1.332', 'permission-dialog.txt', { replaceAfterKeys: 1 });
    await assert.rejects(choose(sim, 'No'), /another dialog showed while the selection moved/);
    assert.deepEqual(sim.sent, ['Down', 'Down']);
  });

  it('sends the first key only once the dialog has been on screen a while (2.1.332 ignores an Enter too soon after drawing it)', async () => {
    const sim = simulated('2.1.332', 'permission-dialog.txt', { enterGuardMs: 150 });
    const result = await choose(sim, 'Yes');
    assert.deepEqual(sim.sent, ['Enter']);
    assert.ok(sim.pressedAt[0] >= ANSWER_LIMITS.settleMs, `pressed at ${sim.pressedAt[0]} ms`);
    assert.equal(result.outcome, 'allowed');
    const no = simulated('2.1.332', 'permission-dialog.txt', { enterGuardMs: 150 });
    assert.equal((await choose(no, 'No')).outcome, 'refused');
    assert.ok(no.pressedAt[0] >= ANSWER_LIMITS.settleMs);
  });

  it('sends Enter once more to a permission dialog left exactly as it was, and lands', async () => {
    const sim = simulated('2.1.332', 'permission-dialog.txt', { enterIgnored: 1 });
    const result = await choose(sim, 'No');
    assert.deepEqual(sim.sent, ['Down', 'Down', 'Down', 'Enter', 'Enter']);
    assert.ok(sim.pressedAt[4] - sim.pressedAt[3] >= ANSWER_LIMITS.enterRetryMs);
    assert.equal(result.outcome, 'refused');
  });

  it('says so when Enter did not close the dialog, and sends no second Enter where the first may have been taken', async () => {
    const stuck = simulated('2.1.260', 'permission-dialog.txt', { enterIgnored: true });
    await assert.rejects(choose(stuck, 'Yes'), /Enter was sent on it 2 times, but the dialog still shows/);
    assert.deepEqual(stuck.sent, ['Enter', 'Enter']);
    for (const changes of ['screen', 'event'] as const) {
      const sim = simulated('2.1.332', 'permission-dialog.txt', { enterIgnored: 1, ignoredEnterChanges: changes });
      await assert.rejects(choose(sim, 'No'), /Enter was sent on it, but the dialog still shows/, changes);
      assert.deepEqual(sim.sent, ['Down', 'Down', 'Down', 'Enter'], changes);
    }
    // A question may have more to it (the next tab): one Enter only.
    const question = simulated('2.1.332', 'question-dialog.txt', { enterIgnored: 1 });
    await assert.rejects(choose(question, 'Purple'), /Enter was sent on it, but/);
    assert.deepEqual(question.sent, ['Down', 'Down', 'Down', 'Enter']);
  });

  it('fails loudly when a refused tool call runs anyway', async () => {
    const sim = simulated('2.1.197', 'permission-dialog.txt', { runsAnyway: true });
    await assert.rejects(choose(sim, 'No'), /"No" was chosen, but Claude Code ran the tool call anyway/);
  });
});
