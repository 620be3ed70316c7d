/**
 * The answer to a dialog, against a simulated Claude Code whose screens are real captures with
 * the "❯" moved as keys arrive: it lands on the chosen option, or sends nothing more than the
 * keys whose effect it saw, and says why. Each misbehaviour here was seen or is possible: a
 * key taken twice or not at all (2.1.197 read a burst as one key), another dialog drawn in the
 * middle, an Enter that did not close the dialog, a refused tool that ran anyway.
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
  lines[at] = lines[at].replace(/^(\s*)  (\d+\. )/, '$1❯ $2');
  return lines.join('\n');
}

interface Behaviour {
  /** How many options one Down/Up moves (2 for a key taken twice, 0 for one lost). */
  step?: (keyNumber: number) => number;
  /** Reads (after the first key) at which another dialog shows instead. */
  replaceAfterKeys?: number;
  /** Enter leaves the dialog on screen. */
  enterIgnored?: boolean;
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
  const progress: Progress = { toolCalls: 3, eventCursor: 'a', lastEvent: 'PermissionRequest', status: 'waiting' };
  const other = capture(version, 'trust-dialog.txt');
  const io: DialogIo = {
    read: async () => classifyScreen(screen),
    press: async (key) => {
      sent.push(key);
      if (key === 'Enter') {
        if (behaviour.enterIgnored) return;
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
  return { io, dialog, sent, kind: classifyScreen(base).kind };
}

async function choose(sim: ReturnType<typeof simulated>, label: string) {
  return chooseOption(sim.io, sim.dialog, findOption(sim.dialog, label), sim.kind, ANSWER_LIMITS);
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

  it('says so when Enter did not close the dialog', async () => {
    const sim = simulated('2.1.260', 'permission-dialog.txt', { enterIgnored: true });
    await assert.rejects(choose(sim, 'Yes'), /Enter was sent on it, but the dialog still shows/);
    assert.deepEqual(sim.sent, ['Enter']);
  });

  it('fails loudly when a refused tool call runs anyway', async () => {
    const sim = simulated('2.1.197', 'permission-dialog.txt', { runsAnyway: true });
    await assert.rejects(choose(sim, 'No'), /"No" was chosen, but Claude Code ran the tool call anyway/);
  });
});
