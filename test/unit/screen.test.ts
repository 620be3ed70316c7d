/**
 * The screen classifier and the dialog reader against real captures of every Claude Code version
 * in the supported range (test/fixtures/screens/<version>/). Every capture must have an
 * expectation here: a new version's screens cannot go untested.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { findOption, isRefusal, parseDialog, sameDialog, stepToward } from '../../src/core/status/dialog';
import { classifyScreen, inputBoxText, ScreenKind } from '../../src/core/status/screen';
import { stripAnsi } from '../../src/core/util/text';
import { REPO } from '../support/engineHarness';

const SCREENS = join(REPO, 'test', 'fixtures', 'screens');
const VERSIONS = readdirSync(SCREENS).filter((name) => /^\d+\.\d+\.\d+$/.test(name));
const fixture = (version: string, name: string) => readFileSync(join(SCREENS, version, name), 'utf8');

/** What each capture shows, by file name (the same name means the same moment in every version). */
const EXPECTED: Record<string, [ScreenKind, RegExp?]> = {
  'idle.txt': ['idle'],
  'idle.ansi.txt': ['idle'],
  'idle-fresh.txt': ['idle'],
  'idle-after-slow.txt': ['idle'],
  'working.txt': ['working'],
  'working.ansi.txt': ['working'],
  'api-retrying.txt': ['working'],
  'after-escape.txt': ['idle'],
  'after-deny.txt': ['idle'],
  'after-allow.txt': ['idle'],
  'after-one-ctrl-c.txt': ['idle'],
  // A dead pane's last screen ("Pane is dead" under it): the exit status decides, not this.
  'after-exit.txt': ['unknown'],
  'api-error.txt': ['idle'],
  'api-error.ansi.txt': ['idle'],
  'api-error-400.txt': ['idle'],
  'api-error-401.txt': ['idle'],
  'context-limit.txt': ['idle'],
  'context-limit.ansi.txt': ['idle'],
  'context-limit-edge.txt': ['idle'],
  'context-limit-opus.txt': ['idle'],
  'paste-placeholder.txt': ['idle'],
  'paste-placeholder-hint.txt': ['idle'],
  'agents-view-empty.txt': ['idle'],
  'agents-view-completed.txt': ['idle'],
  'agents-view-needs-input.txt': ['question', /background session/],
  'auto-mode-blocked.txt': ['idle'],
  'auto-mode-unavailable.txt': ['question', /dialog/],
  'permission-dialog.txt': ['permission'],
  'permission-command.txt': ['permission'],
  'permission-command-second-selected.txt': ['permission'],
  'question-dialog.txt': ['question', /question/],
  'question-dialog-last-selected.txt': ['question', /question/],
  'permission-dialog.ansi.txt': ['permission'],
  'trust-dialog.txt': ['setup', /trust/],
  'trust-dialog.ansi.txt': ['setup', /trust/],
  'trust-dialog-yes-selected.txt': ['setup', /trust/],
  'trust-declined.txt': ['unknown'],
  'bypass-warning.txt': ['setup', /bypass/],
  'bypass-warning.ansi.txt': ['setup', /bypass/],
  'bypass-warning-yes-selected.txt': ['setup', /bypass/],
  'settings-warning.txt': ['setup', /settings warning/],
  'settings-warning.ansi.txt': ['setup', /settings warning/],
  'theme-picker.txt': ['setup', /theme/],
  'theme-picker.ansi.txt': ['setup', /theme/],
};

describe('screen classifier on real Claude Code screens', () => {
  it('has captures of the supported range', () => {
    assert.ok(VERSIONS.includes('2.1.197') && VERSIONS.length >= 3, `versions: ${VERSIONS.join(', ')}`);
  });

  for (const version of VERSIONS) {
    for (const file of readdirSync(join(SCREENS, version)).filter((name) => name.endsWith('.txt'))) {
      it(`${version}: reads ${file} as ${EXPECTED[file]?.[0] ?? '(no expectation)'}`, () => {
        const expected = EXPECTED[file];
        assert.ok(expected, `${version}/${file} has no expectation in screen.test.ts`);
        const text = fixture(version, file);
        const state = classifyScreen(file.includes('.ansi.') ? stripAnsi(text) : text);
        assert.equal(state.kind, expected[0]);
        if (expected[1]) assert.match(state.detail ?? '', expected[1]);
        if (state.kind === 'setup' || state.kind === 'permission') assert.ok(state.dialog && state.dialog.options.length >= 2, 'its options are read');
        if (state.kind === 'idle' || state.kind === 'working') assert.equal(state.dialog, undefined, 'no dialog on it');
      });
    }
  }

  it('does not take a dialog quoted in the conversation for a live one', () => {
    const quoted = fixture('2.1.197', 'idle.txt').replace('Hello from the fake API.', 'You asked: Do you want to proceed? 1. Yes');
    assert.equal(classifyScreen(quoted).kind, 'idle');
  });

  it('reads blank, CRLF and garbage screens without failing', () => {
    assert.equal(classifyScreen('').kind, 'unknown');
    assert.equal(classifyScreen('\r\n\r\n').kind, 'unknown');
    assert.equal(classifyScreen('\x00\x01 garbage ❯').kind, 'unknown');
    assert.equal(classifyScreen(fixture('2.1.197', 'working.txt').replace(/\n/g, '\r\n')).kind, 'working');
  });
});

describe('dialogs by their options', () => {
  const dialogOf = (version: string, file: string) => {
    const dialog = parseDialog(fixture(version, file));
    assert.ok(dialog, `${version}/${file} shows a dialog`);
    return dialog;
  };
  const labels = (version: string, file: string) => dialogOf(version, file).options.map((option) => `${option.selected ? '❯ ' : ''}${option.number ? `${option.number}. ` : ''}${option.label}`);

  it('reads numbered options (2.1.197) and unnumbered ones with the default first (2.1.260 on)', () => {
    assert.deepEqual(labels('2.1.197', 'trust-dialog.txt'), ['❯ 1. Yes, I trust this folder', '2. No, exit']);
    assert.deepEqual(labels('2.1.260', 'trust-dialog.txt'), ['❯ No, exit', 'Yes, I trust this folder']);
    assert.deepEqual(labels('2.1.332', 'trust-dialog.txt'), ['❯ No, exit', 'Yes, I trust this folder']);
    assert.deepEqual(labels('2.1.332', 'bypass-warning-yes-selected.txt'), ['No, exit', '❯ Yes, I accept']);
    assert.deepEqual(labels('2.1.332', 'settings-warning.txt'), ['❯ 1. Continue', '2. Fix with Claude', '3. Exit and fix manually']);
    assert.deepEqual(labels('2.1.332', 'permission-dialog.txt').map((label) => label.slice(0, 20)), ['❯ 1. Yes', '2. Yes, and always a', '3. Yes, and switch t', '4. No']);
  });

  it('reads the theme picker, whose current choice carries a check mark', () => {
    const dialog = dialogOf('2.1.332', 'theme-picker.txt');
    assert.equal(dialog.options[dialog.selected].label, 'Auto (match terminal)');
    assert.ok(dialog.options.some((option) => option.label === 'Light mode'));
    assert.equal(dialogOf('2.1.197', 'theme-picker.txt').options.length, dialog.options.length);
  });

  it('moves toward an option one arrow at a time, found by its label or number, never a blind number', () => {
    const trust = dialogOf('2.1.332', 'trust-dialog.txt');
    assert.equal(stepToward(trust, findOption(trust, 'Yes, I trust this folder')), 'Down');
    assert.equal(stepToward(trust, findOption(trust, 'no, EXIT')), undefined, 'already selected: Enter alone');
    const old = dialogOf('2.1.197', 'trust-dialog.txt');
    assert.equal(stepToward(old, findOption(old, 'Yes, I trust this folder')), undefined);
    assert.equal(findOption(old, '2'), 1, 'a number names the numbered option');
    assert.equal(stepToward(old, 1), 'Down');
    const yes = dialogOf('2.1.332', 'bypass-warning-yes-selected.txt');
    assert.equal(stepToward(yes, 0), 'Up');
    assert.equal(findOption(trust, 'Maybe'), -1);
    assert.throws(() => stepToward(trust, 2), /2 options/);
  });

  it('matches a label whatever its case, spacing and quotes (2.1.332 writes don’t)', () => {
    const dialog = dialogOf('2.1.332', 'permission-command.txt');
    assert.equal(dialog.options[1].label, 'Yes, and don’t ask again for: sh mark.sh');
    assert.equal(findOption(dialog, "yes, and don't  ask again for: sh mark.sh"), 1);
    assert.equal(findOption(dialog, 'No'), 3);
    assert.deepEqual(dialog.options.map(isRefusal), [false, false, false, true]);
  });

  it('reads every option of a question with four answers, their descriptions apart, and the one under a rule', () => {
    for (const version of VERSIONS) {
      const dialog = dialogOf(version, 'question-dialog.txt');
      assert.deepEqual(
        dialog.options.map((option) => [option.number, option.label, option.description]),
        [[1, 'Red', 'Warm and loud'], [2, 'Green', 'Calm'], [3, 'Blue', 'Cool'], [4, 'Purple', 'Royal'], [5, 'Type something.', undefined], [6, 'Chat about this', undefined]],
        version,
      );
      assert.equal(dialog.selected, 0);
      assert.match(dialog.question ?? '', /Which colour should the button be\?/);
      assert.equal(findOption(dialog, 'Purple Royal'), 3, 'with its description too');
      const last = dialogOf(version, 'question-dialog-last-selected.txt');
      assert.equal(last.selected, 5, `${version}: "❯ 6. Chat about this" under its rule is the last option, not an input box`);
      assert.ok(sameDialog(dialog, last), 'the same dialog, another selection');
    }
  });

  it('says what a permission dialog asks: the command and the question', () => {
    for (const version of VERSIONS) {
      const { question } = dialogOf(version, 'permission-dialog.txt');
      assert.match(question ?? '', /touch [a-z-]+\.txt/, version);
      assert.match(question ?? '', /Do you want to proceed\?$/, version);
      assert.doesNotMatch(question ?? '', /Tip:|╌/, version);
    }
    assert.match(dialogOf('2.1.197', 'trust-dialog.txt').question ?? '', /trust/i);
  });

  it('tells one dialog from another by its options, not by its selection', () => {
    const first = dialogOf('2.1.332', 'permission-command.txt');
    const moved = dialogOf('2.1.332', 'permission-command-second-selected.txt');
    assert.deepEqual([first.selected, moved.selected], [0, 1]);
    assert.ok(sameDialog(first, moved));
    assert.ok(!sameDialog(first, dialogOf('2.1.332', 'permission-dialog.txt')), 'another command, other options');
  });

  it('finds no dialog at an input box, in a conversation, or on a working screen', () => {
    for (const version of VERSIONS) {
      for (const file of ['idle.txt', 'working.txt', 'after-escape.txt', 'paste-placeholder.txt']) {
        try {
          assert.equal(parseDialog(fixture(version, file)), undefined, `${version}/${file}`);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        }
      }
    }
  });
});

describe('the input box', () => {
  it('reads what it holds', () => {
    assert.equal(inputBoxText(fixture('2.1.197', 'idle.txt')), '');
    assert.match(inputBoxText(fixture('2.1.197', 'paste-placeholder.txt')) ?? '', /^\[Pasted text #\d+/);
    assert.match(inputBoxText(fixture('2.1.332', 'paste-placeholder.txt')) ?? '', /^\[Pasted text #\d+/);
    assert.equal(inputBoxText(fixture('2.1.197', 'after-escape.txt')), 'SLOW please');
    assert.equal(inputBoxText(fixture('2.1.332', 'after-escape.txt')), 'VERY-SLOW please');
    assert.equal(inputBoxText(fixture('2.1.197', 'trust-dialog.txt')), undefined);
    assert.equal(inputBoxText(''), undefined);
  });

  it('takes placeholder text for an empty box: dim in a colour capture, known words in a plain one', () => {
    assert.equal(inputBoxText(fixture('2.1.332', 'api-error.txt')), '');
    assert.equal(inputBoxText(fixture('2.1.332', 'api-error.ansi.txt')), '');
    assert.equal(inputBoxText(fixture('2.1.332', 'idle.ansi.txt')), '');
    const typed = fixture('2.1.332', 'api-error.ansi.txt').replace(/\x1b\[7mR\x1b\[0;2m\x1b\[39m\x1b\[49mesend your message to try again/, 'typed by hand\x1b[7m \x1b[0m');
    assert.notEqual(typed, fixture('2.1.332', 'api-error.ansi.txt'), 'the capture holds the dim placeholder');
    assert.equal(inputBoxText(typed), 'typed by hand');
  });
});

describe('how a turn ended, where no hook says so', () => {
  it('reads an interruption, a prompt handed back, and a refusal for the context limit, in every version', () => {
    for (const version of VERSIONS) {
      assert.equal(classifyScreen(fixture(version, 'after-deny.txt')).turnEnd, 'interrupted', `${version} after-deny`);
      assert.equal(classifyScreen(fixture(version, 'after-escape.txt')).turnEnd, 'returned', `${version} after-escape`);
      for (const file of ['idle.txt', 'after-allow.txt', 'working.txt']) {
        if (readdirSync(join(SCREENS, version)).includes(file)) assert.equal(classifyScreen(fixture(version, file)).turnEnd, undefined, `${version} ${file}`);
      }
    }
    // A prompt over what the model takes (captured at the edge: 524,072 characters on 2.1.197 with Sonnet).
    for (const [version, file] of [['2.1.197', 'context-limit.txt'], ['2.1.197', 'context-limit-edge.txt'], ['2.1.260', 'context-limit.txt'], ['2.1.260', 'context-limit-opus.txt'], ['2.1.332', 'context-limit.txt'], ['2.1.332', 'context-limit.ansi.txt']]) {
      assert.equal(classifyScreen(stripAnsi(fixture(version, file))).turnEnd, 'context-limit', `${version} ${file}`);
    }
  });

  it('says nothing of a turn whose prompt was taken but whose spinner is not drawn yet', () => {
    // What a loaded machine shows for a moment after UserPromptSubmit: the prompt above an empty box.
    const idle = fixture('2.1.197', 'idle-fresh.txt').split('\n');
    const rule = idle.findIndex((line) => /^─{10,}/.test(line));
    const starting = [...idle.slice(0, rule), '❯ Load task for load-6', '', ...idle.slice(rule)].join('\n');
    const screen = classifyScreen(starting);
    assert.equal(screen.kind, 'idle');
    assert.equal(screen.turnEnd, undefined);
  });
});

describe("Gemini CLI's screens (0.61.0, captured against the fake Gemini API)", () => {
  const gemini = (file: string) => readFileSync(join(SCREENS, 'gemini-0.61.0', file), 'utf8');

  it('reads its permission dialog in its box: what it asks, each option, and where the selection is', () => {
    const first = classifyScreen(gemini('permission.txt'));
    assert.equal(first.kind, 'permission');
    assert.deepEqual(first.dialog?.options.map((option) => [option.number, option.label, option.selected]), [
      [1, 'Allow once', true],
      [2, 'Allow for this session', false],
      [3, 'No, suggest changes (esc)', false],
    ]);
    assert.match(first.dialog?.question ?? '', /touch made-by-gemini\.txt[\s\S]*Allow execution of \[Shell\]\?/);
    assert.equal(classifyScreen(gemini('permission-down.txt')).dialog?.selected, 1, 'one Down: the second option');
  });

  it('says a refused tool call ended its turn (no hook of Gemini CLI does)', () => {
    const refused = classifyScreen(gemini('refused.txt'));
    assert.equal(refused.kind, 'idle');
    assert.equal(refused.turnEnd, 'interrupted');
    assert.equal(refused.dialog, undefined);
  });
});

describe("Codex's screens (0.169.0, captured against the fake Responses API)", () => {
  const codex = (file: string) => readFileSync(join(SCREENS, 'codex-0.169.0', file), 'utf8');

  it('reads its approval dialog: what it asks, each option, and where the "›" is; its input line is no dialog', () => {
    const first = classifyScreen(codex('permission.txt'));
    assert.equal(first.kind, 'permission');
    assert.deepEqual(first.dialog?.options.map((option) => [option.number, option.label, option.selected]), [
      [1, 'Yes, proceed (y)', true],
      [2, "Yes, and don't ask again for commands that start with `touch made-by-codex.txt` (p)", false],
      [3, 'No, and tell Codex what to do differently (esc)', false],
    ]);
    assert.match(first.dialog?.question ?? '', /Would you like to run the following command\?[\s\S]*\$ touch made-by-codex\.txt/);
    assert.equal(classifyScreen(codex('permission-down.txt')).dialog?.selected, 1);
    // As a 200-column pane drew it: the footer right under the options, aligned with them.
    const tight = classifyScreen(codex('permission.txt').replace(/\(esc\)\n\n/, '(esc)\n'));
    assert.deepEqual(tight.dialog?.options.map((option) => option.label).at(-1), 'No, and tell Codex what to do differently (esc)', 'the footer is no option');
  });

  it('says a refused command ended its turn', () => {
    const refused = classifyScreen(codex('refused.txt'));
    assert.deepEqual([refused.kind, refused.turnEnd, refused.dialog], ['idle', 'interrupted', undefined]);
  });
});
