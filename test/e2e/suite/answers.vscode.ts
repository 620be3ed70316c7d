/**
 * Answer Prompt from the palette, with every Claude Code of the version matrix: the picker says
 * what the session asks before the person picks, each option of a Bash permission dialog lands
 * where it must (the tool ran exactly when allowed: the file on disk says so), a lasting choice
 * shows on the next call, and the answer says what came of it.
 */
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import type { InstarApi } from '../../../src/extension';
import type { Answered } from '../../../src/core/sessions/sessionEngine';
import { NOT_LOGGED_IN_DETAIL } from '../../../src/core/model/sessionRecord';
import { ClaudeHome, makeClaudeHome } from '../../support/claudeEnv';
import { waitFor, waitForStatus } from '../../support/wait';
import { AGENT_MS, instar, nextEvent } from './helpers';

const CHOICES = { yes: /^Yes$/, always: /^Yes, and don.t ask again for: sh mark\.sh$/, auto: /^Yes, and switch to auto mode/, no: /^No$/ };
type Choice = keyof typeof CHOICES;

/** The Claude Code binaries of the matrix, as the runner passed them. */
const claudes = (): { label: string; binary: string }[] => JSON.parse(process.env.INSTAR_E2E_CLAUDES ?? '[]') as { label: string; binary: string }[];

describe('Answer Prompt from the palette, for every Claude Code of the matrix', () => {
  let api: InstarApi;
  let root: string;
  let pinned: string | undefined;
  let environment: Record<string, string>;
  const homes: ClaudeHome[] = [];
  const folder = (name: string) => join(root, name);
  const marks = (name: string) => (existsSync(join(folder(name), 'marks.txt')) ? readFileSync(join(folder(name), 'marks.txt'), 'utf8').split('\n').filter(Boolean).length : 0);

  before(async () => {
    api = await instar();
    // Outside the workspace's repository: Claude Code keeps "don't ask again" in the settings of the
    // repository a folder is in, which would answer the next sessions' dialogs for them.
    root = mkdtempSync(join(tmpdir(), 'instar-answers-'));
    pinned = vscode.workspace.getConfiguration('instar').get<string>('agent.command');
    environment = vscode.workspace.getConfiguration('instar').get<Record<string, string>>('agent.environment') ?? {};
    assert.ok(claudes().length >= 3, `the runner passes the matrix: ${process.env.INSTAR_E2E_CLAUDES}`);
  });

  after(async () => {
    api.engine.configure({ agentCommand: pinned, agentEnv: environment });
    rmSync(root, { recursive: true, force: true });
    for (const home of homes) await home.dispose();
  });

  /** Answer Prompt on `name`, picking the option `pattern` names; returns what the picker showed and what came of it. */
  async function answerFromPalette(name: string, pattern: RegExp): Promise<{ title: string; answered: Answered }> {
    const shown = nextEvent(api.onDidShowQuickPick);
    let failure: unknown;
    const failures = api.onDidFailCommand((failed) => (failure = failed.error));
    const answering = vscode.commands.executeCommand('instar.sendKeys', name);
    const quickPick = await shown;
    const item = quickPick.items.find((entry) => pattern.test(entry.label));
    assert.ok(item, `${name}: an option ${pattern} among ${quickPick.items.map((entry) => entry.label).join(' | ')}`);
    const title = quickPick.title ?? '';
    const active = nextEvent(quickPick.onDidChangeActive, (items) => items[0] === item);
    quickPick.activeItems = [item];
    await active;
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    const answered = (await answering) as Answered;
    failures.dispose();
    assert.ok(answered, `${name}: the command returned what came of the answer; it failed: ${String(failure)}`);
    return { title, answered };
  }

  it('takes the one session waiting for an answer without asking which, and shows what it asks first', async () => {
    mkdirSync(folder('only-waiting'), { recursive: true });
    writeFileSync(join(folder('only-waiting'), 'mark.sh'), 'echo mark >> marks.txt\n');
    // The pinned Claude Code, with a home that trusts the folders here (outside the workspace).
    const home = await makeClaudeHome({ baseUrl: environment.ANTHROPIC_BASE_URL, trustedDirs: [root] });
    homes.push(home);
    api.engine.configure({ agentEnv: home.env });
    await api.engine.spawn({ name: 'also-idle', prompt: 'Hello', cwd: folder('only-waiting') });
    await api.engine.spawn({ name: 'only-waiting', prompt: 'RUN-MARK please', cwd: folder('only-waiting'), permissionMode: 'default' });
    api.engine.configure({ agentEnv: environment });
    await waitForStatus(api.engine, 'also-idle', 'idle', AGENT_MS);
    await waitForStatus(api.engine, 'only-waiting', 'waiting', AGENT_MS);
    await waitFor('its dialog', () => api.engine.dialog('only-waiting'), AGENT_MS, 100);
    assert.ok(api.engine.list().filter((record) => record.endedAt === undefined).length > 1, 'other sessions run too');
    assert.equal(api.engine.list().filter((record) => record.status === 'waiting').length, 1);
    // No argument: the palette's Answer Prompt. The first picker shown is the dialog's, not one of sessions.
    const shown = nextEvent(api.onDidShowQuickPick);
    const answering = vscode.commands.executeCommand('instar.sendKeys');
    const quickPick = await shown;
    assert.match(quickPick.title ?? '', /^Answer only-waiting \(permission dialog\): Bash: sh mark\.sh$/);
    const no = quickPick.items.find((entry) => entry.label === 'No');
    assert.ok(no, `the dialog's options: ${quickPick.items.map((entry) => entry.label).join(' | ')}`);
    const active = nextEvent(quickPick.onDidChangeActive, (items) => items[0] === no);
    quickPick.activeItems = [no];
    await active;
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    assert.equal(((await answering) as Answered).outcome, 'refused');
    await api.engine.kill('only-waiting');
    await api.engine.kill('also-idle');
  });

  it("a new user's Claude Code: its trust dialog answered from the palette, then waiting for a login, with Log In on its row", async () => {
    // Onboarding done and nothing else: no folder trusted, no login, no key.
    const newcomer = mkdtempSync(join(tmpdir(), 'instar-newcomer-'));
    writeFileSync(join(newcomer, '.claude.json'), JSON.stringify({ hasCompletedOnboarding: true, lastOnboardingVersion: '2.1.197', numStartups: 1, projects: {} }));
    mkdirSync(join(newcomer, '.claude'));
    writeFileSync(join(newcomer, '.claude', 'settings.json'), '{}');
    const signedOut: Record<string, string> = { ...environment, HOME: newcomer };
    delete signedOut.ANTHROPIC_AUTH_TOKEN;
    delete signedOut.ANTHROPIC_API_KEY;
    mkdirSync(folder('newcomer'), { recursive: true });
    try {
      api.engine.configure({ agentEnv: signedOut });
      await api.engine.spawn({ name: 'newcomer', prompt: 'Hello from a new user', cwd: folder('newcomer'), permissionMode: 'default' });
      const node = { kind: 'session', name: 'newcomer' } as const;
      const row = () => api.tree.getTreeItem(node);
      // The tooltip, as VS Code asks for it when the pointer rests on the row.
      const tooltip = () => {
        const item = api.tree.resolveTreeItem(row(), node);
        return item.tooltip instanceof vscode.MarkdownString ? item.tooltip.value : String(item.tooltip);
      };
      await waitForStatus(api.engine, 'newcomer', (record) => record.status === 'waiting' && record.statusDetail === 'trust dialog', AGENT_MS);
      assert.match(tooltip(), /To go on: Claude Code asks whether to trust this folder/);
      const { title, answered } = await answerFromPalette('newcomer', /^Yes, I trust this folder$/);
      assert.match(title, /^Answer newcomer \(trust dialog\)/);
      assert.equal(answered.outcome, 'chosen');
      await waitForStatus(api.engine, 'newcomer', (record) => record.status === 'waiting' && record.statusDetail === NOT_LOGGED_IN_DETAIL, AGENT_MS);
      assert.match(String(row().contextValue), /\.signedOut$/, 'the row offers Log In');
      assert.match(tooltip(), /Log In to Claude Code/);
      // What its Log In button runs: a terminal with Claude Code for /login, in the agents' environment.
      const terminal = (await vscode.commands.executeCommand('instar.logIn')) as vscode.Terminal;
      assert.equal(terminal.name, 'Log In to Claude Code');
      terminal.dispose();
    } finally {
      api.engine.configure({ agentEnv: environment });
      await api.engine.kill('newcomer').catch(() => undefined);
      rmSync(newcomer, { recursive: true, force: true });
    }
  });

  for (const [index, { label, binary }] of claudes().entries()) {
    it(`${label}: every option of a Bash permission dialog, chosen through Answer Prompt`, async () => {
      const names = (Object.keys(CHOICES) as Choice[]).map((choice) => ({ choice, name: `palette-${index}-${choice}` }));
      // A Claude home of its own: a choice such as auto mode is remembered in the user's settings.
      const home = await makeClaudeHome({ baseUrl: environment.ANTHROPIC_BASE_URL, trustedDirs: [root] });
      homes.push(home);
      api.engine.configure({ agentCommand: binary, agentEnv: home.env });
      for (const { name } of names) {
        mkdirSync(folder(name), { recursive: true });
        writeFileSync(join(folder(name), 'mark.sh'), 'echo mark >> marks.txt\n');
        await api.engine.spawn({ name, prompt: 'RUN-MARK please', cwd: folder(name), permissionMode: 'default' });
      }
      api.engine.configure({ agentCommand: pinned, agentEnv: environment });
      await Promise.all(names.map(({ name }) => waitForStatus(api.engine, name, 'waiting', AGENT_MS)));
      // One picker at a time, as a person answers them.
      for (const { choice, name } of names) {
        const dialog = await waitFor(`${name}'s dialog`, () => api.engine.dialog(name), AGENT_MS, 100);
        if (!dialog.options.some((option) => CHOICES[choice].test(option.label))) {
          assert.ok(choice === 'auto' && label.startsWith('2.1.197'), `${name}: no option for ${choice}`);
          await api.engine.kill(name);
          continue;
        }
        const { title, answered } = await answerFromPalette(name, CHOICES[choice]);
        assert.match(title, /permission dialog\): Bash: sh mark\.sh$/, 'the picker says what it asks before the pick');
        assert.equal(answered.outcome, choice === 'no' ? 'refused' : 'allowed');
      }
      await Promise.all(
        names.map(async ({ choice, name }) => {
          if (api.engine.get(name)?.status === 'killed') return;
          await waitForStatus(api.engine, name, 'idle', AGENT_MS);
          if (choice === 'no') return assert.equal(marks(name), 0, `${name}: refused, the command did not run`);
          await waitFor(`${name}'s mark`, () => marks(name) === 1, AGENT_MS);
          if (choice === 'yes') return;
          // A lasting choice: the next call runs without asking.
          let asked = false;
          const watch = api.engine.onDidChange((change) => (asked ||= change.changed.some((r) => r.name === name && r.status === 'waiting')));
          try {
            await vscode.commands.executeCommand('instar.sendInput', name, choice === 'always' ? 'RUN-MARK again' : 'TOUCH-A-FILE now');
            await waitFor(`${name}'s next call`, () => (choice === 'always' ? marks(name) === 2 : existsSync(join(folder(name), 'touched.txt'))), AGENT_MS);
            await waitForStatus(api.engine, name, (r) => r.status === 'idle' && (r.turns ?? 0) >= 2, AGENT_MS);
          } finally {
            watch.dispose();
          }
          assert.equal(asked, false, `${name}: the next call ran without a dialog`);
        }),
      );
      for (const { name } of names) await api.engine.kill(name).catch(() => undefined);
    });
  }
});
