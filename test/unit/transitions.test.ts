import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { NOT_LOGGED_IN_DETAIL, SessionRecord } from '../../src/core/model/sessionRecord';
import { HookEvent, parseHookPayload } from '../../src/core/status/hookEvents';
import { REPO } from '../support/engineHarness';
import { classifyScreen } from '../../src/core/status/screen';
import { CLAUDE_QUIET_MS, QUIET_MS, SLOW_START_MS, StatusInput, transition } from '../../src/core/status/transitions';

const T0 = 1_800_000_000_000;

function record(overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    name: 's',
    id: 'id-1',
    status: 'starting',
    statusSince: T0,
    statusSignal: 'spawn',
    model: 'sonnet',
    prompt: 'hi',
    promptBytes: 2,
    cwd: '/tmp',
    permissionMode: 'bypassPermissions',
    agentKind: 'claude',
    agentCommand: 'claude',
    createdAt: T0,
    tmuxSocket: 'instar',
    tmuxSession: 's',
    ...overrides,
  };
}

const hook = (name: string, at: number, extra: Partial<HookEvent> = {}): StatusInput => ({ kind: 'hook', event: { sessionId: 'id-1', name, at, order: '', ...extra } });

/** Feeds inputs in order and returns the status after each. */
function run(start: SessionRecord, inputs: StatusInput[]): { statuses: string[]; final: SessionRecord } {
  let current = start;
  const statuses: string[] = [];
  for (const input of inputs) {
    current = transition(current, input) ?? current;
    statuses.push(current.status);
  }
  return { statuses, final: current };
}

describe('status from hooks', () => {
  it('keeps what a pending tool call asks until it ran or the turn ended, and counts the tool calls that ran', () => {
    const start = record({ status: 'running', statusSignal: 'hook', lastPromptAt: T0 });
    const asked = run(start, [hook('PreToolUse', T0 + 100, { toolName: 'Bash', toolAsk: 'Bash: npm test' }), hook('PermissionRequest', T0 + 150, { toolName: 'Bash' })]).final;
    assert.deepEqual([asked.status, asked.toolAsk, asked.toolCalls], ['waiting', 'Bash: npm test', undefined]);
    const ran = transition(asked, hook('PostToolUse', T0 + 900, { toolName: 'Bash' }))!;
    assert.deepEqual([ran.toolAsk, ran.toolPending, ran.toolCalls], [undefined, undefined, 1]);
    assert.equal(run(ran, [hook('PreToolUse', T0 + 1000, { toolName: 'Read', toolAsk: 'Read: /a' }), hook('PostToolUseFailure', T0 + 1100)]).final.toolCalls, 2, 'a failed call ran too');
    const stopped = run(asked, [hook('Stop', T0 + 2000)]).final;
    assert.deepEqual([stopped.toolAsk, stopped.toolCalls], [undefined, undefined], 'ended without running: nothing counted');
    const refused = transition(asked, { kind: 'screen', screen: classifyScreen(readFileSync(join(REPO, 'test/fixtures/screens/2.1.197/after-deny.txt'), 'utf8')), at: T0 + 3000, quietMs: 2000 })!;
    assert.deepEqual([refused.status, refused.toolAsk, refused.toolCalls], ['idle', 'Bash: npm test', undefined], 'a refusal runs nothing (the ask stays until the next hook)');
  });

  it('reads what a tool call asks from its hook payload', () => {
    const ask = (payload: Record<string, unknown>) => parseHookPayload('id-1', JSON.stringify({ hook_event_name: 'PreToolUse', ...payload }), T0)?.toolAsk;
    assert.equal(ask({ tool_name: 'Bash', tool_input: { command: 'rm -rf  build\nnpm ci', description: 'Clean' } }), 'Bash: rm -rf build npm ci');
    assert.equal(ask({ tool_name: 'Edit', tool_input: { file_path: '/src/a.ts', old_string: 'x', new_string: 'y' } }), 'Edit: /src/a.ts');
    assert.equal(ask({ tool_name: 'WebFetch', tool_input: { url: 'https://example.com', prompt: 'read' } }), 'WebFetch: https://example.com');
    assert.equal(ask({ tool_name: 'AskUserQuestion', tool_input: { questions: [{ question: 'Which?', options: [{ label: 'A' }, { label: 'B' }] }] } }), 'Which? (A / B)');
    assert.equal(ask({ tool_name: 'mcp__x__y', tool_input: { n: 1 } }), 'mcp__x__y: {"n":1}');
    assert.equal(ask({ tool_name: 'Bash', tool_input: { command: 'x'.repeat(1000) } })?.length, 300, 'cut, saying so');
    assert.equal(ask({ tool_name: 'Bash' }), undefined);
    assert.equal(ask({ tool_name: 'Bash', tool_input: 'not an object' }), undefined);
  });

  it('follows a turn, a follow-up, a permission dialog and a failed turn', () => {
    const { statuses, final } = run(record(), [
      hook('SessionStart', T0 + 500, { source: 'startup', claudeSessionId: 'c-1', transcriptPath: '/t.jsonl' }),
      hook('UserPromptSubmit', T0 + 600),
      hook('Stop', T0 + 2000),
      hook('UserPromptSubmit', T0 + 3000),
      hook('PreToolUse', T0 + 3100, { toolName: 'Bash' }),
      hook('PermissionRequest', T0 + 3150, { toolName: 'Bash' }),
      hook('PostToolUse', T0 + 5000, { toolName: 'Bash' }),
      hook('Stop', T0 + 6000),
      hook('UserPromptSubmit', T0 + 7000),
      hook('StopFailure', T0 + 7500, { error: 'server_error' }),
      hook('UserPromptSubmit', T0 + 8000),
    ]);
    assert.deepEqual(statuses, ['starting', 'running', 'idle', 'running', 'running', 'waiting', 'running', 'idle', 'running', 'error', 'running']);
    assert.equal(final.claudeSessionId, 'c-1');
    assert.equal(final.transcriptPath, '/t.jsonl');
    assert.equal(final.endedAt, undefined, 'an API error does not end the session');
  });

  it('waits for a person when Claude Code is not logged in, through the screen at its prompt, until it takes a prompt', () => {
    const signedOut = transition(record({ status: 'running', statusSignal: 'hook', lastPromptAt: T0 }), hook('StopFailure', T0 + 500, { error: 'authentication_failed' }))!;
    assert.equal(signedOut.status, 'waiting');
    assert.equal(signedOut.statusDetail, NOT_LOGGED_IN_DETAIL);
    assert.match(NOT_LOGGED_IN_DETAIL, /log in to Claude Code/);
    // What 2.1.332 shows then (2.1.197 the same, with an empty box): a prompt box, no dialog.
    const screen = classifyScreen(['❯ hello', '  ⎿  Not logged in · Please run /login', '', '─'.repeat(80), '❯ Once fixed, resend your message', '─'.repeat(80), '  ⏵⏵ bypass permissions on (shift+tab to cycle)'].join('\n'));
    assert.equal(transition(signedOut, { kind: 'screen', screen, at: T0 + 5000, quietMs: 5000 }), undefined, 'the screen leaves it waiting');
    assert.equal(transition(signedOut, hook('UserPromptSubmit', T0 + 9000))?.status, 'running');
  });

  it('goes idle at SessionStart when there is no prompt, and stays starting when there is one', () => {
    assert.equal(transition(record({ prompt: '', promptBytes: 0 }), hook('SessionStart', T0 + 1))?.status, 'idle');
    assert.equal(transition(record(), hook('SessionStart', T0 + 1))?.status, 'starting');
  });

  it('records since when and which signal decided', () => {
    const next = transition(record({ status: 'running', statusSignal: 'hook' }), hook('Stop', T0 + 1234))!;
    assert.equal(next.statusSince, T0 + 1234);
    assert.equal(next.statusSignal, 'hook');
  });

  it('counts AskUserQuestion, permission notifications and elicitations as waiting', () => {
    const running = record({ status: 'running' });
    assert.equal(transition(running, hook('PreToolUse', T0, { toolName: 'AskUserQuestion' }))?.status, 'waiting');
    assert.equal(transition(running, hook('Notification', T0, { notificationType: 'permission_prompt' }))?.status, 'waiting');
    assert.equal(transition(running, hook('Elicitation', T0))?.status, 'waiting');
    assert.equal(transition(running, hook('Notification', T0, { notificationType: 'auth_success' }))?.status, 'running');
  });

  it("reads 2.1.332's newer signals from their real payloads: needs input waits, a denial by auto mode goes on", () => {
    const payload = (file: string) => parseHookPayload('id-1', readFileSync(join(REPO, 'test', 'fixtures', 'hooks', '2.1.332', file), 'utf8'), T0 + 5)!;
    const running = record({ status: 'running', toolPending: 'Bash' });
    const asked = transition(running, { kind: 'hook', event: payload('Notification-agent_needs_input.json') });
    assert.equal(asked?.status, 'waiting');
    assert.equal(asked?.statusDetail, 'needs input');
    const denied = transition(running, { kind: 'hook', event: payload('PermissionDenied.json') });
    assert.equal(denied?.status, 'running');
    assert.equal(denied?.toolPending, undefined);
    assert.equal(transition(record({ status: 'idle' }), { kind: 'hook', event: payload('Notification-agent_completed.json') })?.status ?? 'idle', 'idle', 'a background session finishing changes nothing');
  });
});

describe('resumed runs', () => {
  it('are idle once back without a follow-up, and wait for their follow-up to be taken with one', () => {
    const resumed = record({ status: 'starting', runs: 2, promptBytes: 500 });
    assert.equal(transition(resumed, hook('SessionStart', T0, { source: 'resume' }))?.status, 'idle', 'the first prompt was long ago');
    const withText = transition(record({ status: 'starting', runs: 2, promptBytes: 500, pendingPrompt: true }), hook('SessionStart', T0, { source: 'resume' }));
    assert.equal(withText?.status, 'starting');
    assert.equal(withText?.statusDetail, 'conversation resumed');
  });

  it('complete with an unknown status only where the screen shows a clean exit', () => {
    const clean = transition(record({ status: 'idle' }), { kind: 'exit', exitCode: null, at: T0, cleanExit: true });
    assert.equal(clean?.status, 'completed');
    assert.equal(clean?.statusSignal, 'screen');
    assert.equal(transition(record({ status: 'idle' }), { kind: 'exit', exitCode: null, at: T0 })?.status, 'error');
  });

  it('end as completed "ended when idle" when the engine ended them for being idle', () => {
    const ended = transition(record({ status: 'idle', endedWhenIdle: true }), { kind: 'exit', exitCode: 0, at: T0 });
    assert.equal(ended?.status, 'completed');
    assert.equal(ended?.statusDetail, 'ended when idle');
  });
});

describe('ends', () => {
  it('completes on exit status 0 and errs on others', () => {
    const completed = transition(record({ status: 'idle' }), { kind: 'exit', exitCode: 0, at: T0 + 5 })!;
    assert.equal(completed.status, 'completed');
    assert.equal(completed.statusSignal, 'exit');
    assert.equal(completed.exitCode, 0);
    assert.equal(completed.endedAt, T0 + 5);
    const failed = transition(record({ status: 'running' }), { kind: 'exit', exitCode: 1, at: T0 })!;
    assert.equal(failed.status, 'error');
    assert.equal(failed.statusDetail, 'exit status 1');
    assert.equal(transition(record(), { kind: 'exit', exitCode: 143, at: T0 })?.statusDetail, 'killed by signal 15');
  });

  it('is lost when the session vanishes without an exit, completed when SessionEnd was seen, killed when asked', () => {
    assert.equal(transition(record({ status: 'running' }), { kind: 'vanished', at: T0 })?.status, 'lost');
    assert.equal(transition(record({ status: 'idle', endReason: 'prompt_input_exit' }), { kind: 'vanished', at: T0 })?.status, 'completed');
    // A tmux server killed under the agent makes it end with reason "other": that is lost.
    assert.equal(transition(record({ status: 'idle', endReason: 'other' }), { kind: 'vanished', at: T0 })?.status, 'lost');
    assert.equal(transition(record({ status: 'idle', killRequested: true }), { kind: 'vanished', at: T0 })?.status, 'killed');
    assert.equal(transition(record({ status: 'running' }), { kind: 'killed', at: T0 })?.status, 'killed');
  });

  it('keeps an ended session as it is, whatever comes later', () => {
    const ended = record({ status: 'completed', endedAt: T0, exitCode: 0 });
    assert.equal(transition(ended, hook('UserPromptSubmit', T0 + 1)), undefined);
    assert.equal(transition(ended, { kind: 'vanished', at: T0 + 1 }), undefined);
    assert.equal(transition(ended, { kind: 'exit', exitCode: 1, at: T0 + 1 }), undefined);
  });
});

describe('status from the screen', () => {
  const screen = (kind: 'working' | 'idle' | 'permission' | 'setup' | 'unknown', at: number, quietMs = 0): StatusInput => ({ kind: 'screen', screen: { kind, detail: kind }, at, quietMs });

  it('sees a dialog as waiting, and its end', () => {
    const waiting = transition(record(), screen('setup', T0 + 1500))!;
    assert.equal(waiting.status, 'waiting');
    assert.equal(waiting.statusSignal, 'screen');
    assert.equal(transition(waiting, screen('working', T0 + 3000))?.status, 'running');
    assert.equal(transition(record({ status: 'waiting', lastPromptAt: T0 - 1000 }), screen('idle', T0))?.status, 'idle');
  });

  it('a dialog answered before the prompt was taken is starting, not idle (the prompt comes next)', () => {
    const trusted = transition(record({ status: 'waiting', statusSignal: 'screen' }), screen('idle', T0 + 2000))!;
    assert.deepEqual([trusted.status, trusted.statusDetail], ['starting', 'dialog answered; Claude Code takes the prompt next']);
    assert.equal(transition(trusted, hook('UserPromptSubmit', T0 + 2100))?.status, 'running');
    // Without a prompt, or a resume whose text was delivered: idle.
    assert.equal(transition(record({ status: 'waiting', prompt: '', promptBytes: 0 }), screen('idle', T0))?.status, 'idle');
    assert.equal(transition(record({ status: 'waiting', runs: 2, lastPromptAt: T0 - 5000 }), screen('idle', T0))?.status, 'idle');
    assert.equal(transition(record({ status: 'waiting', runs: 2, pendingPrompt: true, lastPromptAt: T0 - 5000 }), screen('idle', T0))?.status, 'starting');
  });

  it('leaves an idle its Stop hook said to the hooks: the spinner drawn after it is stale', () => {
    const idle = transition(record({ status: 'running', statusSignal: 'hook', lastPromptAt: T0 }), hook('Stop', T0 + 4000))!;
    assert.equal(transition(idle, screen('working', T0 + 4500)), undefined);
    assert.equal(transition(idle, hook('UserPromptSubmit', T0 + 6000))?.status, 'running', 'a new turn says so by its hook');
    // An idle only the screen said (an Escape) goes back to running on the screen.
    assert.equal(transition(record({ status: 'idle', statusSignal: 'screen' }), screen('working', T0 + 4500))?.status, 'running');
  });

  it("leaves a tool's dialog a hook announced to the hooks, unless the screen says the turn was refused", () => {
    const asking = transition(record({ status: 'running', statusSignal: 'hook', lastPromptAt: T0, toolPending: 'Bash', permissionMode: 'default' }), hook('PermissionRequest', T0 + 1000, { toolName: 'Bash' }))!;
    assert.equal(asking.status, 'waiting');
    assert.equal(transition(asking, screen('idle', T0 + 1500, 2000)), undefined, 'an input box captured before the dialog was drawn');
    const refused = transition(asking, { kind: 'screen', screen: { kind: 'idle', turnEnd: 'interrupted' }, at: T0 + 3000, quietMs: 2000 });
    assert.equal(refused?.status, 'idle', 'the dialog refused: "Interrupted" under the prompt');
    assert.equal(transition(asking, hook('PostToolUse', T0 + 2000, { toolName: 'Bash' }))?.status, 'running', 'allowed: the tool ran');
  });

  it("keeps a tool's dialog the hook's once drawn, reads a spinner before it as lag and after it as the answer", () => {
    // Seen in CI on 2.1.332: a spinner read before the dialog was drawn turned the wait running, the
    // dialog then made it the screen's, and the empty box after "Yes" made it idle 1.3 s before the
    // tool ran: a follow-up sent then went into the turn that was still running.
    const asking = transition(record({ status: 'running', statusSignal: 'hook', lastPromptAt: T0, toolPending: 'Bash', permissionMode: 'default' }), hook('PermissionRequest', T0 + 1000, { toolName: 'Bash' }))!;
    assert.equal(transition(asking, screen('working', T0 + 1200)), undefined, 'a spinner still on the screen before the dialog is drawn');
    const drawn = transition(asking, screen('permission', T0 + 1400))!;
    assert.deepEqual([drawn.status, drawn.statusSignal, drawn.statusDetail, drawn.toolDialogSeen], ['waiting', 'hook', 'permission: Bash', true], "the hook's reading stands, naming the tool");
    assert.equal(transition(drawn, screen('idle', T0 + 2000, 2000)), undefined, 'an empty box after "Yes", before the tool ran');
    const answeredInTerminal = transition(drawn, screen('working', T0 + 2500))!;
    assert.deepEqual([answeredInTerminal.status, answeredInTerminal.statusSignal], ['running', 'screen'], 'the spinner after the dialog: answered in the terminal, the tool runs');
    const ran = run(drawn, [hook('PostToolUse', T0 + 3000, { toolName: 'Bash' }), hook('PreToolUse', T0 + 3100, { toolName: 'Bash' }), hook('PermissionRequest', T0 + 3200, { toolName: 'Bash' })]).final;
    assert.equal(ran.toolDialogSeen, undefined, "the next tool's dialog is not seen yet");
    assert.equal(transition(ran, screen('working', T0 + 3300)), undefined);
  });

  it('runs a tool whose dialog the engine answered "allowed", until its hooks say more', () => {
    const drawn = run(record({ status: 'running', statusSignal: 'hook', lastPromptAt: T0, toolPending: 'Bash', permissionMode: 'default' }), [hook('PermissionRequest', T0 + 1000, { toolName: 'Bash' }), screen('permission', T0 + 1400)]).final;
    const allowed = transition(drawn, { kind: 'answered', outcome: 'allowed', at: T0 + 2000, askedAt: T0 + 1500 })!;
    assert.deepEqual([allowed.status, allowed.statusSignal, allowed.statusDetail], ['running', 'user', 'dialog answered; the tool runs']);
    assert.equal(transition(allowed, screen('idle', T0 + 2500, CLAUDE_QUIET_MS)), undefined, 'an empty box while the tool runs is not its end');
    assert.equal(transition(allowed, { kind: 'screen', screen: { kind: 'idle', turnEnd: 'interrupted' }, at: T0 + 2500, quietMs: CLAUDE_QUIET_MS })?.status, 'idle', 'one that says the turn was interrupted is');
    assert.equal(run(allowed, [hook('PostToolUse', T0 + 3000, { toolName: 'Bash' }), hook('Stop', T0 + 3500)]).final.status, 'idle');
    assert.equal(transition(drawn, { kind: 'answered', outcome: 'refused', at: T0 + 2000, askedAt: T0 + 1500 }), undefined, 'a refusal is left to the hooks and the screen');
    assert.equal(transition(drawn, { kind: 'answered', outcome: 'allowed', at: T0 + 2000, askedAt: T0 + 900 }), undefined, 'a wait that began after the answer was asked for is another dialog');
  });

  it('turns a running session idle only after the pane has been quiet', () => {
    const running = record({ status: 'running' });
    assert.equal(transition(running, screen('idle', T0, CLAUDE_QUIET_MS - 1)), undefined);
    assert.equal(transition(running, screen('idle', T0, CLAUDE_QUIET_MS))?.status, 'idle');
  });

  it('ends a turn a hook started only on a screen that says how it ended (under load the spinner comes late)', () => {
    const byHook = record({ status: 'running', statusSignal: 'hook', lastPromptAt: T0 });
    const at = (turnEnd?: 'interrupted' | 'returned' | 'context-limit'): StatusInput => ({ kind: 'screen', screen: { kind: 'idle', turnEnd }, at: T0 + 5000, quietMs: 4000 });
    assert.equal(transition(byHook, at()), undefined, 'an empty box under the prompt is not the end of the turn');
    assert.match(transition(byHook, at('interrupted'))?.statusDetail ?? '', /interrupted/);
    assert.match(transition(byHook, at('returned'))?.statusDetail ?? '', /prompt back in the input box/);
    const refused = transition(byHook, at('context-limit'));
    assert.equal(refused?.status, 'error');
    assert.match(refused?.statusDetail ?? '', /context limit/);
    assert.equal(transition(record(), at('context-limit'))?.status, 'error', 'refused before it ever ran');
  });

  it('does not take an early idle screen for idle while the prompt is on its way', () => {
    assert.equal(transition(record(), screen('idle', T0 + 1000)), undefined);
    assert.equal(transition(record({ pendingPrompt: true }), screen('idle', T0 + SLOW_START_MS * 2)), undefined);
    // However long it takes (20 spawns on 2 cores draw the box well before they take the prompt).
    const slow = transition(record(), screen('idle', T0 + SLOW_START_MS * 10));
    assert.equal(slow?.status, 'starting');
    assert.equal(slow?.statusSince, T0, 'still starting since the spawn');
    assert.match(slow?.statusDetail ?? '', /not taken the prompt/);
    assert.equal(transition(slow!, hook('UserPromptSubmit', T0 + SLOW_START_MS * 11))?.status, 'running');
    assert.equal(transition(record({ prompt: '', promptBytes: 0 }), screen('idle', T0 + 1000))?.status, 'idle');
  });

  it("reads the screen of Codex and Gemini CLI only for what their hooks cannot tell: a dialog, and a turn a refusal ended", () => {
    for (const agentKind of ['codex', 'gemini'] as const) {
      const running = record({ agentKind, status: 'running', statusSignal: 'hook', statusSince: T0 });
      assert.equal(transition(running, { kind: 'screen', screen: { kind: 'idle' }, at: T0 + 5000, quietMs: 5000 }), undefined, 'a quiet screen does not end a turn its hooks began');
      const waiting = transition(running, { kind: 'screen', screen: { kind: 'permission', detail: 'permission dialog' }, at: T0 + 5000, quietMs: 0 })!;
      assert.equal(waiting.status, 'waiting');
      const asked = { ...waiting, toolPending: 'run_shell_command', toolAsk: 'touch x' };
      assert.equal(transition(asked, { kind: 'screen', screen: { kind: 'idle' }, at: T0 + 6000, quietMs: 900 }), undefined, 'an input line alone is no end');
      const refused = transition(asked, { kind: 'screen', screen: { kind: 'idle', turnEnd: 'interrupted' }, at: T0 + 6000, quietMs: 900 })!;
      assert.deepEqual([refused.status, refused.statusSignal, refused.toolPending, refused.toolAsk], ['idle', 'screen', undefined, undefined]);
      assert.equal(transition({ ...asked, adopted: true }, { kind: 'screen', screen: { kind: 'unknown' }, at: T0 + 9000, quietMs: QUIET_MS })?.status, 'idle', 'an adopted one has no hooks: its screen decides');
    }
  });

  it('decides alone for agents that are not Claude Code, by screen and then by activity', () => {
    const generic = record({ agentKind: 'other' });
    assert.equal(transition(generic, screen('unknown', T0, 100))?.status, 'running');
    const idle = transition(generic, screen('unknown', T0, QUIET_MS))!;
    assert.equal(idle.status, 'idle');
    assert.equal(idle.statusSignal, 'activity');
  });
});

describe('a prompt Claude Code refuses', () => {
  it('ends its turn as error with the reason, from the hooks and screen each version gave at the edge', () => {
    for (const version of ['2.1.197', '2.1.260', '2.1.332']) {
      const recorded = JSON.parse(readFileSync(join(REPO, 'test', 'fixtures', 'refusal', `${version}-context-limit-sonnet.hooks.json`), 'utf8')) as { event: string; secondsAfterStart: number; payload: unknown }[];
      const events = recorded.map(({ secondsAfterStart, payload }) => parseHookPayload('id-1', JSON.stringify(payload), T0 + secondsAfterStart * 1000)!);
      // Claude Code says idle_prompt a minute later; the screen is read within seconds of the quiet turn.
      const [early, late] = [events.filter((event) => event.notificationType !== 'idle_prompt'), events.filter((event) => event.notificationType === 'idle_prompt')];
      let current = record();
      for (const event of early) current = transition(current, { kind: 'hook', event }) ?? current;
      assert.equal(current.status, 'running', `${version}: the prompt was taken (UserPromptSubmit), and no Stop came`);
      const screen = classifyScreen(readFileSync(join(REPO, 'test', 'fixtures', 'screens', version, version === '2.1.197' ? 'context-limit-edge.txt' : 'context-limit.txt'), 'utf8'));
      const refused = transition(current, { kind: 'screen', screen, at: T0 + 10_000, quietMs: 5000 });
      assert.equal(refused?.status, 'error', version);
      assert.match(refused?.statusDetail ?? '', /context limit/, version);
      for (const event of late) assert.equal((transition(refused!, { kind: 'hook', event }) ?? refused)?.status, 'error', `${version}: idle_prompt does not hide the refusal`);
    }
  });
});
