/**
 * Inside a real VS Code (code-server), with the real claude CLI against the fake Messages API
 * the runner serves: activation, every command, the tree, the badge, the editor terminal.
 */
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import type { InstarApi } from '../../../src/extension';
import type { SessionStatus } from '../../../src/core/model/sessionRecord';
import type { SessionNode } from '../../../src/vscode/views/sessionTree';
import { waitFor, waitForStatus } from '../../support/wait';
import { AGENT_MS, instar, nextEvent, workspaceFolder } from './helpers';

describe('Instar Sessions in VS Code', () => {
  let api: InstarApi;
  const cwd = () => workspaceFolder();
  const names = () => api.tree.getChildren().map((node) => (node.kind === 'session' ? node.name : node.kind === 'group' ? `group:${node.status}` : node.kind));
  const item = (name: string) => api.tree.getTreeItem({ kind: 'session', name });
  const statusOf = async (name: string, status: SessionStatus) => (await waitForStatus(api.engine, name, status, AGENT_MS)).record;

  before(async () => {
    api = await instar();
  });

  after(async () => {
    for (const record of api.engine.list()) {
      if (record.endedAt === undefined) await api.engine.kill(record.name).catch(() => undefined);
    }
  });

  it('activates, with every contributed command registered', async () => {
    const manifest = vscode.extensions.getExtension('instar.instar-sessions')!.packageJSON as { contributes: { commands: { command: string }[] } };
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = manifest.contributes.commands.map((c) => c.command).filter((id) => !registered.has(id));
    assert.deepEqual(missing, []);
    assert.ok(vscode.workspace.isTrusted);
  });

  it('opened the Get Started walkthrough at the first start, opens it again by command, and a terminal to log in to Claude Code', async () => {
    const tabs = () => vscode.window.tabGroups.all.flatMap((group) => group.tabs);
    // VS Code names the tab of any walkthrough "Welcome" (the workbench's Welcome page is off in these runs).
    const walkthroughTab = () => tabs().find((tab) => tab.label === 'Welcome');
    const first = await waitFor('the walkthrough of the first start', walkthroughTab, 30_000);
    await vscode.window.tabGroups.close(first);
    await vscode.commands.executeCommand('instar.openWalkthrough');
    await vscode.window.tabGroups.close(await waitFor('the walkthrough', walkthroughTab, 30_000));
    const terminal = (await vscode.commands.executeCommand('instar.logIn')) as vscode.Terminal;
    assert.equal(terminal.name, 'Log In to Claude Code');
    assert.ok(vscode.window.terminals.includes(terminal));
    assert.match(String((terminal.creationOptions as vscode.TerminalOptions).shellPath), /claude$/);
    terminal.dispose();
  });

  it('checks the environment: tmux and each agent CLI, found with its version or with what to install', async () => {
    const editor = (await vscode.commands.executeCommand('instar.checkEnvironment')) as vscode.TextEditor;
    const text = editor.document.getText();
    assert.match(text, /^- ✓ tmux \d+\.\d+/m);
    assert.match(text, /^- ✓ Claude Code \d+\.\d+\.\d+ \(/m);
    for (const [name, pkg] of [['Codex', '@openai/codex'], ['Gemini CLI', '@google/gemini-cli']]) {
      assert.match(text, new RegExp(`^- (✓ ${name} \\d+\\.\\d+\\.\\d+ \\(|✗ ${name}: not found: .*npm install -g ${pkg})`, 'm'));
    }
    // The runner gives the agents a token: how Claude Code signs in is said.
    assert.match(text, /^- ✓ Claude Code signs in with a token from ANTHROPIC_AUTH_TOKEN$/m);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('shows a spawned session in the tree, turning idle', async () => {
    const record = await api.engine.spawn({ name: 'vs-one', prompt: 'Hello from VS Code', cwd: cwd() });
    assert.ok(names().includes('vs-one'));
    assert.equal((item('vs-one').iconPath as vscode.ThemeIcon).id, 'loading~spin');
    await statusOf('vs-one', 'idle');
    const idle = item('vs-one');
    assert.equal((idle.iconPath as vscode.ThemeIcon).id, 'circle-large-outline');
    assert.match(String(idle.contextValue), /^instar\.session\.live\.idle/);
    assert.match(String(idle.description), /^Idle · sonnet · /);
    assert.equal(record.model, 'sonnet');
  });

  it('turns the badge on while a session waits for the user, and off when answered', async () => {
    await api.engine.spawn({ name: 'vs-asker', prompt: 'USE-A-TOOL now', cwd: cwd(), permissionMode: 'default' });
    await statusOf('vs-asker', 'waiting');
    await waitFor('the badge', () => api.view.badge?.value === 1);
    assert.equal((item('vs-asker').iconPath as vscode.ThemeIcon).id, 'bell-dot');
    await vscode.commands.executeCommand('instar.sendKeys', 'vs-asker', undefined, 'Yes'); // the permission dialog's option, by its label
    await statusOf('vs-asker', 'idle');
    await waitFor('the badge to clear', () => api.view.badge === undefined);
  });

  it('sends input and shows the output in a read-only document', async () => {
    await vscode.commands.executeCommand('instar.sendInput', 'vs-one', 'A follow-up from the command');
    await statusOf('vs-one', 'running');
    await statusOf('vs-one', 'idle');
    const editor = (await vscode.commands.executeCommand('instar.showOutput', 'vs-one')) as vscode.TextEditor;
    assert.equal(editor.document.uri.scheme, 'instar-output');
    await waitFor('the output', () => editor.document.getText().includes('Answer to: A follow-up'));
  });

  it('opens a session as an editor terminal that takes input, detaches on close and reopens', async () => {
    const terminal = (await vscode.commands.executeCommand('instar.openTerminal', 'vs-one')) as vscode.Terminal;
    assert.ok(terminal, 'a terminal was returned');
    assert.equal(terminal.name, 'vs-one');
    const count = vscode.window.terminals.length;
    const again = (await vscode.commands.executeCommand('instar.openTerminal', 'vs-one')) as vscode.Terminal;
    assert.equal(again, terminal, 'the open tab is focused, not a second one');
    assert.equal(vscode.window.terminals.length, count);
    await api.terminals.whenPainted('vs-one');
    // The tmux window follows the terminal's size: hiding the side bar widens the editor.
    const width = async () => (await api.engine.listTmuxSessions()).find((session) => session.session === 'vs-one')?.width;
    const before = await width();
    assert.equal(typeof before, 'number');
    await vscode.commands.executeCommand('workbench.action.toggleSidebarVisibility');
    const after = await waitFor('the tmux window to follow the resize', async () => {
      const now = await width();
      return now !== before ? now : undefined;
    });
    await vscode.commands.executeCommand('workbench.action.toggleSidebarVisibility');
    assert.notEqual(after, before);
    terminal.sendText('Typed in the editor terminal', false);
    await waitFor('the typed text in the prompt', async () => (await api.engine.output('vs-one', { lines: 5 })).includes('Typed in the editor terminal'));
    terminal.sendText('\r', false);
    await statusOf('vs-one', 'running');
    await statusOf('vs-one', 'idle');
    terminal.dispose();
    await waitFor('the tab to close', () => !vscode.window.terminals.includes(terminal));
    assert.equal(api.engine.get('vs-one')?.endedAt, undefined, 'closing the tab leaves the agent running');
    assert.ok((await api.engine.listTmuxSessions()).some((session) => session.name === api.engine.get('vs-one')?.tmuxSession && !session.dead));
    const reopened = (await vscode.commands.executeCommand('instar.openTerminal', 'vs-one')) as vscode.Terminal;
    assert.notEqual(reopened, terminal);
    reopened.dispose();
  });

  it("keeps a session's editor terminal when the session ends, resumes it there with R, and closes on another key with the exit status", async () => {
    await api.engine.spawn({ name: 'vs-exit', prompt: 'A short task', cwd: cwd() });
    await statusOf('vs-exit', 'idle');
    const terminal = (await vscode.commands.executeCommand('instar.openTerminal', 'vs-exit')) as vscode.Terminal;
    let endShown = nextEvent(api.terminals.onDidShowEnd, (name) => name === 'vs-exit');
    await vscode.commands.executeCommand('instar.sendInput', 'vs-exit', '/exit');
    const record = await statusOf('vs-exit', 'completed');
    assert.equal(record.exitCode, 0);
    await endShown;
    assert.equal(terminal.exitStatus, undefined, 'the tab stays, with the last screen and how it ended');
    // R in that tab brings the conversation back under the same name, bound to the same tab.
    terminal.sendText('r', false);
    await waitFor('the second run', () => api.engine.get('vs-exit')?.runs === 2, AGENT_MS);
    await statusOf('vs-exit', 'idle');
    assert.equal(api.terminals.terminalOf('vs-exit'), terminal);
    await vscode.commands.executeCommand('instar.sendInput', 'vs-exit', 'Back from VS Code');
    await waitFor('the follow-up answered', async () => (await api.engine.output('vs-exit', { lines: 40 })).includes('Answer to: Back from VS Code'), 60_000);
    endShown = nextEvent(api.terminals.onDidShowEnd, (name) => name === 'vs-exit');
    await vscode.commands.executeCommand('instar.kill', 'vs-exit'); // a name: a script, so no question
    await endShown;
    const closed = nextEvent(vscode.window.onDidCloseTerminal, (t) => t === terminal);
    terminal.sendText('x', false);
    assert.equal((await closed).exitStatus?.code, 0);
    await vscode.commands.executeCommand('instar.remove', 'vs-exit');
  });

  it('serves the HTTP API from .instar/config.json; what it spawns shows in the tree at once; the token rotates', async () => {
    const configFile = vscode.Uri.file(`${cwd()}/.instar/config.json`);
    const config = await waitFor('the API config', async () => {
      try {
        return JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(configFile))) as { port: number; authToken: string };
      } catch {
        return undefined;
      }
    });
    const url = `http://127.0.0.1:${config.port}`;
    const auth = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });
    assert.equal((await fetch(`${url}/health`)).status, 200);
    const spawned = await fetch(`${url}/sessions/spawn`, { method: 'POST', headers: auth(config.authToken), body: JSON.stringify({ name: 'vs-api', prompt: 'Spawned through the API' }) });
    assert.equal(spawned.status, 201);
    await waitFor('the tree to show it', () => names().includes('vs-api'));
    await statusOf('vs-api', 'idle');
    await vscode.commands.executeCommand('instar.api.copyToken');
    assert.equal(await vscode.env.clipboard.readText(), config.authToken);
    await vscode.commands.executeCommand('instar.api.rotateToken');
    assert.equal((await fetch(`${url}/sessions`, { headers: auth(config.authToken) })).status, 403, 'the old token is refused');
    const rotated = JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(configFile))) as { authToken: string };
    assert.notEqual(rotated.authToken, config.authToken);
    const listed = (await (await fetch(`${url}/sessions`, { headers: auth(rotated.authToken) })).json()) as { name: string }[];
    assert.ok(listed.some((session) => session.name === 'vs-api'));
    assert.equal((await fetch(`${url}/sessions/vs-api`, { method: 'DELETE', headers: auth(rotated.authToken) })).status, 200);
    await statusOf('vs-api', 'killed');
    assert.equal((await fetch(`${url}/sessions/vs-api`, { method: 'DELETE', headers: auth(rotated.authToken) })).status, 200, 'an ended session is removed');
    await waitFor('the tree to drop it', () => !names().includes('vs-api'));
  });

  it('copies the attach and resume commands', async () => {
    const attach = (await vscode.commands.executeCommand('instar.copyAttachCommand', 'vs-one')) as string;
    // The workspace's tmux name for it: the folder's name and a short key, then its own.
    assert.match(attach, /^tmux -L \S+ attach -t =[a-z0-9-]+-[0-9a-f]{4}\/vs-one$/);
    assert.equal(attach.split(' =')[1], api.engine.get('vs-one')?.tmuxSession);
    assert.equal(await vscode.env.clipboard.readText(), attach);
    const resume = (await vscode.commands.executeCommand('instar.copyResumeCommand', 'vs-one')) as string;
    assert.match(resume, /claude --resume [0-9a-f-]{36}$/);
    // What it said last, from Claude Code's Stop hook: the fake API's reply to what was typed in its terminal.
    const answer = (await vscode.commands.executeCommand('instar.copyLastAnswer', 'vs-one')) as string;
    assert.equal(answer, 'Answer to: Typed in the editor terminal');
    assert.equal(await vscode.env.clipboard.readText(), answer);
    const turns = api.engine.require('vs-one').turns;
    assert.ok(turns !== undefined && turns >= 3, `turns: ${turns}`);
    const hovered = api.tree.resolveTreeItem(item('vs-one'), { kind: 'session', name: 'vs-one' });
    assert.match((hovered.tooltip as vscode.MarkdownString).value, new RegExp(`Last answer \\(turn ${turns}\\):\n\n> Answer to: Typed in the editor terminal`));
  });

  it('installs the instar-session skill into the workspace, updates it in place, and removes it', async () => {
    const dir = (await vscode.commands.executeCommand('instar.skill.install', 'workspace')) as string;
    const file = vscode.Uri.file(`${cwd()}/.claude/skills/instar-session/SKILL.md`);
    assert.equal(dir, `${cwd()}/.claude/skills/instar-session`);
    const shipped = new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.file(`${vscode.extensions.getExtension('instar.instar-sessions')!.extensionPath}/media/skills/instar-session/SKILL.md`)));
    assert.equal(new TextDecoder().decode(await vscode.workspace.fs.readFile(file)), shipped);
    await vscode.workspace.fs.writeFile(file, new TextEncoder().encode('an older version'));
    await vscode.commands.executeCommand('instar.skill.install', 'workspace');
    assert.equal(new TextDecoder().decode(await vscode.workspace.fs.readFile(file)), shipped, 'installing again updates it');
    await vscode.commands.executeCommand('instar.skill.remove');
    await assert.rejects(Promise.resolve(vscode.workspace.fs.stat(file)), 'removed');
  });

  it('groups by state and back', async () => {
    await vscode.commands.executeCommand('instar.groupByState');
    const groups = api.tree.getChildren();
    assert.ok(groups.every((node) => node.kind === 'group'));
    const idle = groups.find((node) => node.kind === 'group' && node.status === 'idle') as SessionNode;
    assert.ok(api.tree.getChildren(idle).some((node) => node.kind === 'session' && node.name === 'vs-one'));
    await vscode.commands.executeCommand('instar.showFlat');
    assert.ok(api.tree.getChildren().every((node) => node.kind === 'session'));
  });

  it('filters the list by state, label and words of the name, says when nothing matches, and clears the filter', async () => {
    const sessions = () => api.tree.getChildren().filter((node) => node.kind === 'session').map((node) => (node.kind === 'session' ? node.name : ''));
    await statusOf('vs-one', 'idle');
    const all = sessions();
    assert.ok(all.length >= 2, `sessions to filter: ${all.join(', ')}`);
    await vscode.commands.executeCommand('instar.filterSessions', 'VS-ONE state:idle');
    assert.deepEqual(sessions(), ['vs-one']);
    assert.match(String(api.view.description), /filter: VS-ONE state:idle/);
    // A filter that is not one changes nothing.
    await vscode.commands.executeCommand('instar.filterSessions', 'state:sleeping');
    assert.equal(api.tree.filterText, 'VS-ONE state:idle');
    await vscode.commands.executeCommand('instar.groupByState');
    assert.deepEqual(api.tree.getChildren().filter((node) => node.kind === 'group').map((node) => (node.kind === 'group' ? node.status : '')), ['idle'], 'only the groups of what the filter keeps');
    await vscode.commands.executeCommand('instar.showFlat');
    await vscode.commands.executeCommand('instar.filterSessions', 'nothing-is-called-this');
    const [none] = api.tree.getChildren().filter((node) => node.kind === 'noMatch');
    assert.ok(none, 'a row that says nothing matches');
    assert.equal(api.tree.getTreeItem(none).label, 'No session matches "nothing-is-called-this"');
    assert.equal(api.tree.getTreeItem(none).command?.command, 'instar.clearSessionFilter');
    await vscode.commands.executeCommand('instar.clearSessionFilter');
    assert.deepEqual(sessions(), all);
    assert.doesNotMatch(String(api.view.description ?? ''), /filter/);
  });

  it('shows ended sessions a page at a time, newest first, with a row for the rest', async () => {
    // Sessions of a program that ends at once: many ended sessions in seconds.
    const pinned = api.engine.agentCommand;
    const runs = Array.from({ length: 55 }, (_, i) => `paged-${String(i).padStart(2, '0')}`);
    api.engine.configure({ agentCommand: '/bin/true' });
    try {
      for (let i = 0; i < runs.length; i += 11) {
        const batch = runs.slice(i, i + 11);
        for (const name of batch) await api.engine.spawn({ name, prompt: '', cwd: cwd() });
        await Promise.all(batch.map((name) => statusOf(name, 'completed')));
      }
    } finally {
      api.engine.configure({ agentCommand: pinned });
    }
    try {
      await vscode.commands.executeCommand('instar.showFlat');
      const ended = api.engine.list().filter((record) => record.endedAt !== undefined).length;
      const listed = () => api.tree.getChildren();
      const shownEnded = () => listed().filter((node) => node.kind === 'session' && api.engine.get(node.name)?.endedAt !== undefined).map((node) => (node.kind === 'session' ? node.name : ''));
      await waitFor('a page of ended sessions', () => (shownEnded().length === 50 ? true : undefined), 10_000, 50);
      assert.ok(shownEnded().includes('paged-54') && !shownEnded().includes('paged-00'), `the newest first: ${shownEnded().slice(0, 5).join(', ')}…`);
      const live = api.engine.list().filter((record) => record.endedAt === undefined).map((record) => record.name);
      assert.ok(live.every((name) => listed().some((node) => node.kind === 'session' && node.name === name)), `every live session listed beside them: ${live.join(', ')}`);
      const [more] = listed().filter((node) => node.kind === 'more');
      assert.ok(more, 'a row for the ended sessions left out');
      const rows = listed();
      assert.ok(rows.slice(rows.indexOf(more)).every((node) => node.kind !== 'session'), 'after the sessions');
      const moreItem = api.tree.getTreeItem(more);
      assert.equal(moreItem.label, `${ended - 50} more ended sessions…`);
      assert.equal(moreItem.command?.command, 'instar.showMoreEnded');
      await vscode.commands.executeCommand(moreItem.command!.command);
      assert.equal(shownEnded().length, Math.min(ended, 100));
      assert.ok(shownEnded().includes('paged-00'));
      assert.equal(listed().some((node) => node.kind === 'more'), ended > 100);
    } finally {
      for (const name of runs) await api.engine.remove(name).catch(() => undefined);
    }
    assert.ok(!api.tree.getChildren().some((node) => node.kind === 'session' && node.name.startsWith('paged-')));
  });

  it('kills, refreshes, lists tmux sessions and removes ended sessions', async () => {
    await vscode.commands.executeCommand('instar.kill', 'vs-asker');
    assert.equal(api.engine.get('vs-asker')?.status, 'killed');
    assert.match(String(item('vs-asker').contextValue), /^instar\.session\.ended\.killed/);
    await vscode.commands.executeCommand('instar.refresh');
    const shown = nextEvent(api.onDidShowQuickPick);
    const listing = vscode.commands.executeCommand('instar.showTmuxSessions');
    const quickPick = await shown;
    assert.ok(quickPick.items.some((entry) => entry.label === api.engine.get('vs-one')?.tmuxSession && entry.description?.startsWith('vs-one: ')));
    quickPick.hide();
    const sessions = (await listing) as { name: string; session?: string }[];
    assert.ok(sessions.some((session) => session.session === 'vs-one' && session.name === api.engine.get('vs-one')?.tmuxSession));
    // Go to Session lists every session with its state in words, the live ones first.
    const switcherShown = nextEvent(api.onDidShowQuickPick);
    const switching = vscode.commands.executeCommand('instar.switchSession');
    const switcher = await switcherShown;
    assert.deepEqual(
      switcher.items.map((entry) => [entry.label.replace(/^\$\([^)]*\) /, ''), entry.description?.split(' · ')[0]]),
      [
        ['vs-one', 'Idle'],
        ['vs-asker', 'Killed'],
      ],
    );
    switcher.hide();
    await switching;
    // A removed session's Show Output tab closes with it.
    const output = (await vscode.commands.executeCommand('instar.showOutput', 'vs-asker')) as vscode.TextEditor;
    const outputTabs = () => vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) => tab.input instanceof vscode.TabInputText && tab.input.uri.toString() === output.document.uri.toString());
    assert.equal(outputTabs().length, 1);
    await vscode.commands.executeCommand('instar.remove', 'vs-asker');
    assert.equal(api.engine.get('vs-asker'), undefined);
    await waitFor('the output tab of the removed session to close', () => outputTabs().length === 0);
    await vscode.commands.executeCommand('instar.kill', 'vs-one');
    const removed = await vscode.commands.executeCommand('instar.removeEnded');
    assert.equal(removed, 1);
    assert.deepEqual(names(), []);
  });

  it('shows jobs from .instar/jobs.json, runs one now, disables it, and reports a broken entry', async () => {
    const file = vscode.Uri.file(`${cwd()}/.instar/jobs.json`);
    const write = (jobs: unknown) => vscode.workspace.fs.writeFile(file, new TextEncoder().encode(JSON.stringify(jobs)));
    await write([{ slug: 'vs-job', name: 'A VS Code job', schedule: '0 0 1 1 *', prompt: 'From a job' }]);
    await waitFor('the Jobs group', () => api.tree.getChildren().some((node) => node.kind === 'jobs'));
    const jobNode = { kind: 'job' as const, slug: 'vs-job' };
    assert.ok(api.tree.getChildren({ kind: 'jobs' }).some((node) => node.kind === 'job' && node.slug === 'vs-job'));
    assert.equal(api.tree.getTreeItem(jobNode).label, 'A VS Code job');
    assert.match(String(api.tree.getTreeItem(jobNode).description), /^next /);
    const record = (await vscode.commands.executeCommand('instar.job.runNow', jobNode)) as { name: string; jobSlug: string };
    assert.equal(record.jobSlug, 'vs-job');
    assert.match(record.name, /^job-vs-job-\d{8}-\d{4}$/);
    await statusOf(record.name, 'idle');
    await vscode.commands.executeCommand('instar.job.disable', jobNode);
    assert.equal(api.tree.getTreeItem(jobNode).contextValue, 'instar.job.disabled');
    await write([{ slug: 'vs-job', schedule: '0 0 1 1 *', prompt: 'x' }, { slug: 'broken', schedule: 'every day', prompt: 'x' }]);
    await waitFor('the problem to show', () => api.tree.getChildren({ kind: 'jobs' }).some((node) => node.kind === 'jobProblems'));
    assert.ok(api.tree.getChildren({ kind: 'jobs' }).some((node) => node.kind === 'job' && node.slug === 'vs-job'), 'the valid job stays');
    await api.engine.kill(record.name);
  });

  it('shows what a session costs and how full its context is, its conversation kept current, and finds a word said in it', async () => {
    await api.engine.spawn({ name: 'vs-talk', prompt: 'Tell me about the zebra-42 plan', cwd: cwd() });
    await statusOf('vs-talk', 'idle');
    // Claude Code's status line gives cost and context once the answer is in.
    await waitFor('cost and context in the row', () => /· \$\d+\.\d+ · \d+% ·/.test(String(item('vs-talk').description)), AGENT_MS);
    const node = { kind: 'session' as const, name: 'vs-talk' };
    const tooltip = (api.tree.resolveTreeItem(item('vs-talk'), node).tooltip as vscode.MarkdownString).value;
    assert.match(tooltip, /Cost: \$[\d.]+, as Claude Code counts it/);
    assert.match(tooltip, /Context: \d+% used/);

    const editor = (await vscode.commands.executeCommand('instar.showConversation', 'vs-talk')) as vscode.TextEditor;
    assert.equal(editor.document.uri.scheme, 'instar-conversation');
    assert.equal(editor.document.languageId, 'markdown');
    await waitFor('the answer in the conversation', () => editor.document.getText().includes('Answer to: Tell me about the zebra-42'));
    await vscode.commands.executeCommand('instar.sendInput', 'vs-talk', 'And one more thing');
    await waitFor('the follow-up in the open conversation', () => editor.document.getText().includes('Answer to: And one more thing'), AGENT_MS);

    // Search: the match in the answer opens the conversation at its line.
    const shown = nextEvent(api.onDidShowQuickPick);
    const searching = vscode.commands.executeCommand('instar.searchConversations', 'zebra-42');
    const quickPick = await shown;
    const answer = quickPick.items.find((entry) => /in an answer/.test(entry.description ?? ''));
    assert.ok(answer, `an answer among ${quickPick.items.map((entry) => entry.description).join(', ')}`);
    assert.ok(quickPick.items.every((entry) => /vs-talk$/.test(entry.label)), 'only the session that said it');
    // The workbench takes the active item when it says so (onDidChangeActive); accepted before, the first would be.
    const active = nextEvent(quickPick.onDidChangeActive, (items) => items[0] === answer);
    quickPick.activeItems = [answer];
    await active;
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    const opened = (await searching) as vscode.TextEditor;
    assert.match(opened.document.lineAt(opened.selection.active.line).text, /Answer to: Tell me about the zebra-42/);
    await api.engine.kill('vs-talk');
    await api.engine.remove('vs-talk');
  });

  it('runs a session in a worktree: its branch and changes in the row, its review in the diff editors, merged into main, then discarded', async () => {
    const record = await api.engine.spawn({ name: 'vs-tree', prompt: 'Please EDIT-A-FILE', cwd: cwd(), worktree: true });
    assert.equal(record.worktree?.branch, 'instar/vs-tree');
    await statusOf('vs-tree', 'idle');
    await waitFor('the branch and its changed lines in the row', () => String(item('vs-tree').description).includes('instar/vs-tree +1 −0'), AGENT_MS);
    assert.match(String(item('vs-tree').contextValue), /\.worktree/);

    await vscode.commands.executeCommand('instar.reviewChanges', 'vs-tree');
    const tabs = () => vscode.window.tabGroups.all.flatMap((group) => group.tabs);
    await waitFor('the multi-file diff', () => tabs().some((tab) => tab.label.includes('vs-tree: instar/vs-tree vs main')));
    await vscode.commands.executeCommand('instar.reviewFile', 'vs-tree', 'notes.txt');
    const diff = await waitFor('the diff of notes.txt', () => tabs().map((tab) => tab.input).find((input): input is vscode.TabInputTextDiff => input instanceof vscode.TabInputTextDiff && input.modified.fsPath.endsWith('notes.txt')));
    assert.equal(diff.original.scheme, 'instar-git');
    assert.equal((await vscode.workspace.openTextDocument(diff.original)).getText(), 'first line\n', 'the left side is the base');
    assert.equal((await vscode.workspace.openTextDocument(diff.modified)).getText(), 'first line\nedited by claude\n');

    await api.engine.kill('vs-tree');
    const merged = (await vscode.commands.executeCommand('instar.mergeWorktree', 'vs-tree', { commit: true })) as { kind: string };
    assert.equal(merged.kind, 'fast-forward');
    assert.equal(new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.file(`${cwd()}/notes.txt`))), 'first line\nedited by claude\n', 'in main now');
    await vscode.commands.executeCommand('instar.discardWorktree', 'vs-tree', { confirmed: true });
    await waitFor('the row to say it was discarded', () => String(item('vs-tree').description).includes('instar/vs-tree (discarded)'));
    await assert.rejects(Promise.resolve(vscode.workspace.fs.stat(vscode.Uri.file(record.worktree!.path))), 'the worktree folder is gone');
    await vscode.commands.executeCommand('instar.remove', 'vs-tree');
    assert.equal(api.engine.get('vs-tree'), undefined);
  });
});
