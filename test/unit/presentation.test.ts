import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { firstFreeName, nameFromPrompt, suggestName } from '../../src/core/model/sessionName';
import { ANSWER_PREVIEW_CHARS, countByStatus, endSummary, exitStatusText, idleEndAt, NOT_LOGGED_IN_DETAIL, SessionRecord } from '../../src/core/model/sessionRecord';
import type { JobState } from '../../src/core/model/job';
import { jobLook } from '../../src/core/presentation/jobPresentation';
import { awaySummary } from '../../src/core/presentation/awaySummary';
import { notificationText } from '../../src/core/presentation/notificationText';
import { batchSummary, endsWork } from '../../src/core/presentation/batchSummary';
import { formatAge, msUntilDescriptionChanges, sessionAccessibleLabel, changesWithinTheMinute, sessionContextValue, sessionDescription, sessionTooltip, STATUS_LOOKS, waitingAdvice, waitingAsk } from '../../src/core/presentation/sessionPresentation';
import { classifyScreen, LOGIN_SCREEN } from '../../src/core/status/screen';

const NOW = 1_800_000_000_000;
const record = (overrides: Partial<SessionRecord> = {}): SessionRecord =>
  ({ name: 'auditor', id: 'i', status: 'running', statusSince: NOW - 5000, statusSignal: 'hook', model: 'sonnet', prompt: 'Audit the *auth* code\nline 2', promptBytes: 30, cwd: '/w', permissionMode: 'bypassPermissions', agentKind: 'claude', agentCommand: 'claude', createdAt: NOW - 125_000, tmuxSocket: 'instar', tmuxSession: 'auditor', claudeSessionId: 'c', ...overrides }) as SessionRecord;

describe('session presentation', () => {
  it('formats ages compactly', () => {
    assert.deepEqual([0, 59_999, 60_000, 3_599_999, 3_600_000, 47 * 3_600_000, 49 * 3_600_000].map(formatAge), ['0s', '59s', '1m', '59m', '1h', '47h', '2d']);
  });

  it('describes live sessions with model and age, ended ones with how they ended', () => {
    assert.equal(sessionDescription(record(), NOW), 'Running · sonnet · 2m');
    assert.equal(sessionDescription(record({ status: 'waiting', statusDetail: 'permission: Bash' }), NOW), 'Waiting for you · sonnet · permission: Bash · 2m');
    assert.equal(sessionDescription(record({ status: 'error', endedAt: NOW - 60_000, exitCode: 1 }), NOW), 'Error · sonnet · exit 1 · 1m ago');
    assert.equal(sessionDescription(record({ status: 'lost', endedAt: NOW, exitCode: null, jobSlug: 'nightly' }), NOW), 'Lost · sonnet · <1m ago · job nightly');
    assert.equal(sessionDescription(record({ status: 'killed', endedAt: NOW - 3000 }), NOW), 'Killed · sonnet · <1m ago');
    // An agent's helper says whose it is, in its row and its tooltip.
    const helper = record({ status: 'idle', createdAt: NOW - 60_000, parent: 'lead', depth: 2 });
    assert.equal(sessionDescription(helper, NOW), 'Idle · sonnet · 1m · by lead');
    assert.match(sessionTooltip(helper, NOW), /Spawned by the agent of session lead \(depth 2 in its chain\)/);
    assert.equal(sessionDescription(record({ status: 'idle', createdAt: NOW - 59_999 }), NOW), 'Idle · sonnet · <1m', 'no figure that changes every second');
    // Another CLI's session says which: its model in its own terms, "Codex" alone for its own default.
    assert.equal(sessionDescription(record({ agentKind: 'codex', model: 'default' }), NOW), 'Running · Codex · 2m');
    assert.equal(sessionDescription(record({ agentKind: 'gemini', model: 'gemini-2.5-flash' }), NOW), 'Running · Gemini CLI gemini-2.5-flash · 2m');
    assert.match(sessionAccessibleLabel(record({ agentKind: 'gemini', model: 'default' }), NOW), /, agent Gemini CLI, /);
    assert.match(sessionTooltip(record({ agentKind: 'codex', model: 'gpt-6-sol', statusSignal: 'hook', agentVersion: '0.169.0' }), NOW), /from the Codex hooks[\s\S]*Model: Codex gpt\\-6\\-sol · permission mode: bypassPermissions · Codex 0\.169\.0/);
  });

  it('says when the description next reads differently, so ages never stand still on screen and tick in seconds only in an idle limit\'s last minute', () => {
    assert.equal(msUntilDescriptionChanges(record({ status: 'killed', endedAt: NOW - 200 }), NOW), 59_800, '<1m ago becomes 1m ago');
    assert.equal(msUntilDescriptionChanges(record({ createdAt: NOW - 1000 }), NOW), 59_000, '<1m becomes 1m');
    assert.equal(msUntilDescriptionChanges(record({ createdAt: NOW - 125_000 }), NOW), 55_000, '2m becomes 3m');
    const idle = record({ status: 'idle', statusSince: NOW - 60_000, idleLimitMs: 5 * 60_000, lastPromptAt: NOW - 90_000, createdAt: NOW - 5 * 60_000 });
    assert.equal(msUntilDescriptionChanges(idle, NOW), 1, '"ends in 4m" becomes "3m" as soon as less than 4m are left');
    assert.equal(msUntilDescriptionChanges({ ...idle, statusSince: NOW - 30_500 }, NOW), 29_501);
    assert.ok(changesWithinTheMinute(record({ status: 'killed', endedAt: NOW - 59_000 }), NOW), '<1m ago turns 1m ago within the minute');
    assert.ok(!changesWithinTheMinute(record({ status: 'killed', endedAt: NOW - 60_000 }), NOW));
    assert.ok(changesWithinTheMinute(record({ createdAt: NOW - 1000 }), NOW));
    assert.ok(!changesWithinTheMinute(idle, NOW));
    assert.ok(changesWithinTheMinute({ ...idle, statusSince: NOW - 4.5 * 60_000 }, NOW), 'ends in 30s');
    assert.equal(sessionAccessibleLabel(record({ status: 'waiting', statusDetail: 'permission: Bash' }), NOW), 'auditor, Waiting for you, permission: Bash, model sonnet, started 2m ago');
    assert.equal(sessionAccessibleLabel(record({ status: 'killed', endedAt: NOW - 3000 }), NOW), 'auditor, Killed, model sonnet, ended less than a minute ago');
  });

  it('gives menus a context value with liveness, state and resumability', () => {
    assert.equal(sessionContextValue(record()), 'instar.session.live.running.resumable');
    assert.equal(sessionContextValue(record({ status: 'completed', endedAt: NOW, claudeSessionId: undefined })), 'instar.session.ended.completed');
    // Waiting for a login (its prompt refused, or Claude Code's login screen): its menu offers one.
    assert.equal(sessionContextValue(record({ status: 'waiting', statusDetail: NOT_LOGGED_IN_DETAIL })), 'instar.session.live.waiting.resumable.signedOut');
    assert.equal(sessionContextValue(record({ status: 'waiting', statusDetail: LOGIN_SCREEN })), 'instar.session.live.waiting.resumable.signedOut');
    assert.equal(sessionContextValue(record({ status: 'idle', statusDetail: NOT_LOGGED_IN_DETAIL })), 'instar.session.live.idle.resumable');
  });

  it('says what to do about each first-run screen of Claude Code, and about a missing login, in the tooltip', () => {
    // What the screen classifier calls a login screen (the words of Claude Code's login method picker).
    const login = classifyScreen([' Select login method:', '', ' ❯ 1. Claude account with subscription · Pro, Max, Team, or Enterprise', '   2. Anthropic Console account · API usage billing', '   3. 3rd-party platform · Amazon Bedrock, Microsoft Foundry, or Vertex AI'].join('\n'));
    assert.deepEqual([login.kind, login.detail], ['setup', LOGIN_SCREEN]);
    for (const detail of [LOGIN_SCREEN, NOT_LOGGED_IN_DETAIL]) {
      assert.match(waitingAdvice({ status: 'waiting', statusDetail: detail }) ?? '', /Log In to Claude Code \(a terminal\)/);
    }
    for (const detail of ['trust dialog', 'API key dialog', 'bypass-permissions warning', 'theme picker']) {
      assert.match(waitingAdvice({ status: 'waiting', statusDetail: detail }) ?? '', /Answer Prompt/, detail);
    }
    assert.equal(waitingAdvice({ status: 'waiting', statusDetail: 'permission: Bash' }), undefined, 'a tool call asks for itself');
    assert.equal(waitingAdvice({ status: 'idle', statusDetail: 'trust dialog' }), undefined);
    assert.match(sessionTooltip(record({ status: 'waiting', statusDetail: 'theme picker' }), NOW), /To go on: Claude Code's first run asks for a text style/);
  });

  it('has an icon and a colour for every state, spinning while running', () => {
    assert.match(STATUS_LOOKS.running.icon, /~spin$/);
    assert.match(STATUS_LOOKS.waiting.icon, /bell/);
    for (const look of Object.values(STATUS_LOOKS)) assert.ok(look.icon && look.color && look.label);
  });

  it('writes a Markdown tooltip with the prompt escaped and what decided the state', () => {
    const tooltip = sessionTooltip(record(), NOW, 'tmux -L instar attach -t =auditor');
    assert.match(tooltip, /> Audit the \\\*auth\\\* code/);
    assert.match(tooltip, /from the Claude Code hooks/);
    assert.match(tooltip, /Attach: `tmux -L instar attach -t =auditor`/);
    assert.doesNotMatch(tooltip, /Last answer|Label:/, 'none yet');
  });

  it('says in the tooltip what a waiting session asks, and only while it waits', () => {
    const waiting = record({ status: 'waiting', statusDetail: 'permission: Bash', toolAsk: 'Bash: rm `x`' });
    assert.match(sessionTooltip(waiting, NOW), /— Waiting for you \(permission: Bash\)\n\nAsks: `Bash: rm 'x'`\n/);
    assert.equal(waitingAsk(waiting), 'Bash: rm `x`');
    assert.equal(waitingAsk({ ...waiting, status: 'running' }), undefined);
    assert.doesNotMatch(sessionTooltip({ ...waiting, status: 'idle' }, NOW), /Asks:/);
  });

  it("says in the notification what a waiting session asks, whatever the level, and the rest only at 'all'", () => {
    const waiting = record({ status: 'waiting', statusDetail: 'permission: Bash', toolAsk: 'Bash: rm -rf build' });
    assert.equal(notificationText(waiting, 'running', 'waiting'), 'auditor is waiting for you (permission: Bash): Bash: rm -rf build');
    assert.equal(notificationText({ ...waiting, toolAsk: undefined, statusDetail: 'trust dialog' }, 'starting', 'all'), 'auditor is waiting for you (trust dialog).');
    assert.equal(notificationText(record({ status: 'idle' }), 'running', 'waiting'), undefined);
    assert.equal(notificationText(record({ status: 'idle' }), 'running', 'all'), 'auditor finished its turn and is idle.');
  });

  it('shows the last answer (its start, escaped) and the label in the tooltip', () => {
    const answered = record({ status: 'idle', turns: 2, lastAnswer: 'Found **two** issues:\n\n- one\n- two', batch: 'survey' });
    const tooltip = sessionTooltip(answered, NOW);
    assert.match(tooltip, /Last answer \(turn 2\):\n\n> Found \\\*\\\*two\\\*\\\* issues:\n> \\- one\n> \\- two\n/);
    assert.match(tooltip, /Label: survey/);
    const long = sessionTooltip(record({ lastAnswer: 'x'.repeat(ANSWER_PREVIEW_CHARS), turns: 1 }), NOW);
    assert.match(long, /> …/, 'a cut answer says so');
  });

  it('says when an idle session will end by itself, only once a turn has ended', () => {
    const idle = record({ status: 'idle', statusSince: NOW - 60_000, idleLimitMs: 5 * 60_000, lastPromptAt: NOW - 90_000 });
    assert.match(sessionDescription(idle, NOW), / · ends in 4m if idle$/);
    assert.doesNotMatch(sessionDescription({ ...idle, lastPromptAt: undefined }, NOW), /ends in/, 'not before its first turn');
    assert.doesNotMatch(sessionDescription({ ...idle, status: 'running' }, NOW), /ends in/);
    assert.match(sessionTooltip({ ...idle, runs: 3, resumedAt: NOW }, NOW), /resumed .*\(run 3\)/);
  });

  it('an idle limit waits while someone has the session open, and counts from when they closed it', () => {
    const idle = record({ status: 'idle', statusSince: NOW - 10 * 60_000, idleLimitMs: 5 * 60_000, lastPromptAt: NOW - 11 * 60_000 });
    assert.equal(idleEndAt(idle), NOW - 5 * 60_000, 'past due: it ends at the next check');
    const open = { ...idle, attached: true };
    assert.equal(idleEndAt(open), undefined);
    assert.match(sessionDescription(open, NOW), / · open: ends 5m after it is closed, if idle$/);
    assert.match(sessionTooltip(open, NOW), /Ends after 5m idle with nobody there \(open now: the count starts once it is closed\)/);
    const closed = { ...idle, detachedAt: NOW - 60_000 };
    assert.equal(idleEndAt(closed), NOW + 4 * 60_000);
    assert.match(sessionDescription(closed, NOW), / · ends in 4m if idle$/);
    assert.equal(idleEndAt({ ...idle, statusSince: NOW, detachedAt: NOW - 60_000 }), NOW + 5 * 60_000, 'a later turn counts from its own end');
  });

  it('counts by state and suggests free names', () => {
    const counts = countByStatus([record(), record({ status: 'waiting' }), record({ status: 'waiting' })]);
    assert.equal(counts.waiting, 2);
    assert.equal(counts.running, 1);
    assert.equal(suggestName('Task', new Set(['task-1', 'task-2'])), 'task-3');
    assert.equal(suggestName('!!!', new Set()), 'session-1');
    assert.equal(nameFromPrompt('Fix the login bug, please'), 'fix-the-login');
    const taken = new Set(['job-a', 'job-a-2']);
    assert.equal(firstFreeName((n) => (n === 1 ? 'job-a' : `job-a-${n}`), (name) => taken.has(name)), 'job-a-3');
    assert.equal(firstFreeName((n) => (n === 1 ? 'job-b' : `job-b-${n}`), (name) => taken.has(name)), 'job-b');
  });

  it('says how a session ended in one wording', () => {
    assert.equal(exitStatusText(0), 'exit status 0');
    assert.equal(exitStatusText(null), undefined);
    assert.equal(exitStatusText(undefined), undefined);
    assert.equal(endSummary(record({ status: 'error', exitCode: 1, endedAt: NOW })), 'error, exit status 1');
    assert.equal(endSummary(record({ status: 'killed', exitCode: null, endedAt: NOW })), 'killed');
    const counts = countByStatus([]);
    assert.deepEqual(Object.values(counts), [0, 0, 0, 0, 0, 0, 0, 0]);
  });
});

describe('job presentation', () => {
  const state: JobState = {
    definition: { slug: 'nightly', name: 'Nightly audit', schedule: '0 2 * * *', prompt: 'Audit', enabled: true, keepAlive: false, endWhenIdleMs: 30_000 },
    folder: '/w',
    enabled: true,
    nextRunAt: NOW + 3_600_000,
    failures: 0,
    runs: [],
  };

  it('says when a job runs next, and in a window that does not lead, that another one runs it', () => {
    const here = jobLook(state, NOW);
    assert.match(here.description, /^next \d\d:\d\d$/);
    assert.doesNotMatch(here.tooltip, /another window/);
    assert.match(jobLook(state, NOW, false).tooltip, /Run by another window of this workspace/);
  });
});

describe('batch summary', () => {
  const member = (name: string, status: SessionRecord['status']) => record({ name, status, batch: 'b-1' });

  it('waits until no member is at work, then tells the counts in one line', () => {
    assert.equal(batchSummary([member('b-1', 'idle'), member('b-2', 'running')]), undefined);
    assert.equal(batchSummary([member('b-1', 'idle'), member('b-2', 'starting')]), undefined);
    assert.deepEqual(batchSummary([member('b-2', 'idle'), member('b-3', 'error'), member('b-1', 'idle')]), {
      text: '3 sessions spawned together finished their turns (b-1, b-2, b-3): 2 idle, 1 error.',
      failed: true,
    });
    // Named in order, digits as numbers, whatever order they started in.
    assert.match(batchSummary(['x-10', 'x-9', 'x-1'].map((name) => member(name, 'idle')))!.text, /\(x-1, x-9, x-10\)/);
    const many = ['a', 'b', 'c', 'd', 'e'].map((name) => member(name, 'idle'));
    assert.deepEqual(batchSummary([...many, member('f', 'waiting')]), { text: '6 sessions spawned together finished their turns (a, b, c and 3 more): 5 idle, 1 waiting for you.', failed: false });
  });

  it('counts a member as done when it leaves work, but not for a wait (told on its own)', () => {
    assert.ok(endsWork('running', 'idle'));
    assert.ok(endsWork('starting', 'error'));
    assert.ok(!endsWork('running', 'waiting'));
    assert.ok(!endsWork('idle', 'completed'), 'not at work before');
    assert.ok(!endsWork(undefined, 'idle'));
    assert.ok(!endsWork('starting', 'running'));
  });
});

describe('usage and worktrees in the presentation', () => {
  const usage = { tokens: { input: 12_345, output: 678, cacheRead: 1_200_000, cacheCreation: 40_000 }, costUsd: 0.4213, costSource: 'claude-code', costByDay: {}, updatedAt: NOW, contextPercent: 63, contextTokens: 126_000, contextWindow: 200_000, contextSource: 'claude-code' } as const;
  const worktree = { path: '/w/.wt/auditor', branch: 'instar/auditor', base: 'main', baseCommit: 'abc', repoRoot: '/w', ownsBranch: true };

  it('shows cost and context compactly in the row, and the branch with its changed lines', () => {
    assert.equal(sessionDescription(record({ usage: { ...usage } }), NOW), 'Running · sonnet · $0.42 · 63% · 2m');
    assert.equal(sessionDescription(record({ usage: { ...usage, contextPercent: undefined } }), NOW), 'Running · sonnet · $0.42 · 2m');
    assert.equal(sessionDescription(record({ worktree, worktreeChanges: { files: 2, added: 12, removed: 3, at: NOW } }), NOW), 'Running · sonnet · instar/auditor +12 −3 · 2m');
    assert.equal(sessionDescription(record({ worktree, worktreeDiscarded: true, status: 'killed', endedAt: NOW }), NOW), 'Killed · sonnet · instar/auditor (discarded) · <1m ago');
  });

  it('gives menus a worktree marker before the resumable one', () => {
    assert.equal(sessionContextValue(record({ worktree })), 'instar.session.live.running.worktree.resumable');
    assert.equal(sessionContextValue(record({ worktree, worktreeDiscarded: true })), 'instar.session.live.running.resumable');
  });

  it('puts every figure in the tooltip, and says where the cost came from', () => {
    const tooltip = sessionTooltip(record({ usage: { ...usage }, budgetUsd: 2, worktree, worktreeChanges: { files: 2, added: 12, removed: 3, at: NOW } }), NOW);
    assert.match(tooltip, /Cost: \$0\.42, as Claude Code counts it/);
    assert.match(tooltip, /Tokens: 12k in, 678 out, 1\.2M cache reads, 40k cache writes/);
    assert.match(tooltip, /Context: 63% used \(126k of 200k tokens\)/);
    assert.match(tooltip, /Budget: \$2\.00, 21% spent/);
    assert.match(tooltip, /Worktree: branch `instar\/auditor` from `main`, 2 files changed, \+12 −3/);
    const priced = sessionTooltip(record({ usage: { ...usage, costSource: 'transcript', pricesAsOf: '2026-12-01', unpriced: ['odd-model'] } }), NOW);
    assert.match(priced, /from the price table of 2026-12-01 \(Claude Code gave no cost\); no price for odd\\-model/);
    assert.match(sessionAccessibleLabel(record({ usage: { ...usage }, worktree }), NOW), /cost \$0\.42, context 63 percent used, in a worktree on instar\/auditor/);
  });

  it("gives each job run's cost and the job's day against its budget", () => {
    const state = { definition: { slug: 'nightly', name: 'Nightly', schedule: '0 3 * * *', prompt: 'Audit', enabled: true, keepAlive: false, endWhenIdleMs: 30_000, dailyBudgetUsd: 5, budgetUsd: 1, worktree: true }, enabled: true, failures: 0, runs: [{ session: 'job-nightly-1', at: NOW - 60_000, result: 'completed' }] } as JobState;
    const look = jobLook(state, NOW, true, { ofSession: (name) => (name === 'job-nightly-1' ? 0.75 : undefined), today: 0.75 });
    assert.match(look.description, /\$0\.75 today of \$5\.00/);
    assert.match(look.tooltip, /job-nightly-1: completed · \$0\.75/);
    assert.match(look.tooltip, /Budget: \$1\.00 a run, \$5\.00 a day/);
    assert.match(look.tooltip, /Each run in a worktree of its own/);
  });
});

describe('while you were away', () => {
  const since = NOW - 3_600_000;
  const usage = (costUsd: number) => ({ costUsd }) as SessionRecord['usage'];
  it('counts the job runs, the sessions started and ended and the errors after the window last looked, with what they cost', () => {
    const records = [
      record({ name: 'old', status: 'completed', createdAt: since - 10_000, endedAt: since - 5000, usage: usage(5) }),
      record({ name: 'job-tick-1', jobSlug: 'tick', status: 'completed', createdAt: since + 60_000, endedAt: since + 90_000, usage: usage(0.5), lastAnswer: 'Ticked.\nMore' }),
      record({ name: 'job-tick-2', jobSlug: 'tick', status: 'error', statusDetail: 'API error', createdAt: since + 120_000, endedAt: since + 130_000, exitCode: 1 }),
      record({ name: 'helper', status: 'idle', createdAt: since + 200_000, usage: usage(0.34) }),
      record({ name: 'long', status: 'completed', createdAt: since - 100_000, endedAt: since + 300_000 }),
    ];
    const summary = awaySummary(records, since, NOW)!;
    assert.equal(summary.text, 'While you were away: 2 job runs, 1 session started, 3 sessions ended, 1 error, $0.84');
    assert.doesNotMatch(summary.markdown, /\*\*old\*\*/, 'what ended before is not news');
    assert.match(summary.markdown, /- \*\*job-tick-1\*\* \(job tick\), started .*, ended .*: completed, \$0\.50\n {2}> Ticked\./);
    assert.match(summary.markdown, /- \*\*job-tick-2\*\* \(job tick\), .*: error, exit status 1 \(API error\)/);
    assert.match(summary.markdown, /- \*\*helper\*\*, started .*, idle now, \$0\.34/);
  });

  it('says nothing when nothing happened', () => {
    assert.equal(awaySummary([record({ createdAt: since - 1, status: 'idle' })], since, NOW), undefined);
  });
});
