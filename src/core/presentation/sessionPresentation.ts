/**
 * How a session looks in lists, as pure data: the VS Code side turns these into TreeItems,
 * QuickPickItems and the status bar. Codicon ids and theme colour ids are plain strings here.
 */
import { CLI_DEFAULT_MODEL, kindFacts } from '../agent/agentKinds';
import { formatDuration, msUntilAgeChanges, msUntilCountdownChanges } from '../model/duration';
import { ANSWER_PREVIEW_CHARS, endsWhenIdle, exitStatusText, idleEndAt, isEnded, NOT_LOGGED_IN_DETAIL, SessionRecord, SessionStatus } from '../model/sessionRecord';
import { formatUsd } from '../model/usage';
import { LOGIN_SCREEN, SETUP_ADVICE } from '../status/screen';
import { usageCompact, usageTooltipLines, worktreeCompact, worktreeTooltipLines } from './usagePresentation';

export interface StatusLook {
  /** Codicon id, with ~spin where it should turn. */
  icon: string;
  /** Theme colour id. */
  color: string;
  label: string;
}

export const STATUS_LOOKS: Record<SessionStatus, StatusLook> = {
  starting: { icon: 'loading~spin', color: 'charts.blue', label: 'Starting' },
  running: { icon: 'sync~spin', color: 'charts.blue', label: 'Running' },
  waiting: { icon: 'bell-dot', color: 'charts.yellow', label: 'Waiting for you' },
  idle: { icon: 'circle-large-outline', color: 'charts.green', label: 'Idle' },
  completed: { icon: 'pass', color: 'testing.iconPassed', label: 'Completed' },
  error: { icon: 'error', color: 'testing.iconFailed', label: 'Error' },
  killed: { icon: 'circle-slash', color: 'disabledForeground', label: 'Killed' },
  lost: { icon: 'question', color: 'list.warningForeground', label: 'Lost' },
};

/** The order of the state groups: what needs the user first. */
export const GROUP_ORDER: readonly SessionStatus[] = ['waiting', 'error', 'running', 'starting', 'idle', 'completed', 'killed', 'lost'];

export const formatAge = formatDuration;

/**
 * An age as a row shows it: under a minute "<1m", then as formatAge. A row whose figure changed
 * every second would be redrawn every second, and a click that lands during a redraw is lost.
 */
export function formatRowAge(ms: number): string {
  return ms < 60_000 ? '<1m' : formatAge(ms);
}

/** The same for a screen reader. */
function spokenAge(ms: number): string {
  return ms < 60_000 ? 'less than a minute' : formatAge(ms);
}

/** How long until a growing age (`ms` now) reads differently through formatRowAge. */
function msUntilRowAgeChanges(ms: number): number {
  return ms < 60_000 ? 60_000 - Math.max(0, ms) : msUntilAgeChanges(ms);
}

/** The model as a row says it: Codex's and Gemini CLI's with their name ("Codex gpt-6-sol", "Gemini CLI" for its own default). */
export function modelText(record: Pick<SessionRecord, 'agentKind' | 'model'>): string {
  if (record.agentKind === 'claude' || record.agentKind === 'other') return record.model;
  const { title } = kindFacts(record.agentKind);
  return record.model === CLI_DEFAULT_MODEL ? title : `${title} ${record.model}`;
}

/** The short text beside the name: the state in words, the model, then age or how it ended. */
export function sessionDescription(record: SessionRecord, now: number): string {
  const parts = [STATUS_LOOKS[record.status].label, modelText(record)];
  const usage = usageCompact(record.usage);
  if (usage) parts.push(usage);
  const worktree = worktreeCompact(record);
  if (worktree) parts.push(worktree);
  if (isEnded(record)) {
    if (record.exitCode !== undefined && record.exitCode !== null) parts.push(`exit ${record.exitCode}`);
    parts.push(`${formatRowAge(now - (record.endedAt ?? now))} ago`);
  } else {
    if (record.status === 'waiting' && record.statusDetail) parts.push(record.statusDetail);
    parts.push(formatRowAge(now - record.createdAt));
    const ends = idleEndAt(record);
    if (ends !== undefined) parts.push(`ends in ${formatDuration(ends - now)} if idle`);
    else if (endsWhenIdle(record) && record.attached) parts.push(`open: ends ${formatDuration(record.idleLimitMs ?? 0)} after it is closed, if idle`);
  }
  if (record.jobSlug) parts.push(`job ${record.jobSlug}`);
  if (record.parent) parts.push(`by ${record.parent}`);
  return parts.join(' · ');
}

/** How long until sessionDescription reads differently with time alone (an age or a countdown ticks over). */
export function msUntilDescriptionChanges(record: SessionRecord, now: number): number {
  if (isEnded(record)) return msUntilRowAgeChanges(now - (record.endedAt ?? now));
  const ends = idleEndAt(record);
  const age = msUntilRowAgeChanges(now - record.createdAt);
  return ends === undefined ? age : Math.min(age, msUntilCountdownChanges(ends - now));
}

/**
 * Whether the description changes within the minute at a moment worth a timer of its own: "<1m"
 * turning "1m", or an idle limit's countdown in seconds (its last minute). Minutes and hours are
 * redrawn on a coarser clock.
 */
export function changesWithinTheMinute(record: SessionRecord, now: number): boolean {
  if (isEnded(record)) return now - (record.endedAt ?? now) < 60_000;
  const ends = idleEndAt(record);
  return now - record.createdAt < 60_000 || (ends !== undefined && ends - now < 60_000);
}

/** What a screen reader says for a session: name, state in words, detail, model and age. */
export function sessionAccessibleLabel(record: SessionRecord, now: number): string {
  const parts = [record.name, STATUS_LOOKS[record.status].label];
  if (record.statusDetail) parts.push(record.statusDetail);
  parts.push(record.agentKind === 'claude' || record.agentKind === 'other' ? `model ${record.model}` : `agent ${modelText(record)}`);
  if (record.usage) parts.push(`cost ${formatUsd(record.usage.costUsd)}${record.usage.contextPercent === undefined ? '' : `, context ${record.usage.contextPercent} percent used`}`);
  if (record.worktree && !record.worktreeDiscarded) parts.push(`in a worktree on ${record.worktree.branch}`);
  parts.push(isEnded(record) ? `ended ${spokenAge(now - (record.endedAt ?? now))} ago` : `started ${spokenAge(now - record.createdAt)} ago`);
  return parts.join(', ');
}

/**
 * What menus match on: `instar.session.live.running`, `instar.session.ended.completed`… then
 * `.worktree` when it has a worktree of its own, `.resumable` when it has a Claude Code conversation,
 * and `.signedOut` when it waits for Claude Code to be logged in.
 */
export function sessionContextValue(record: SessionRecord): string {
  const worktree = record.worktree && !record.worktreeDiscarded ? '.worktree' : '';
  const signedOut = waitsForLogin(record) ? '.signedOut' : '';
  return `instar.session.${isEnded(record) ? 'ended' : 'live'}.${record.status}${worktree}${record.claudeSessionId ? '.resumable' : ''}${signedOut}`;
}

const escapeMarkdown = (text: string): string => text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');

/** What a session waiting for the user asks (its tool call's command, file or question), when a hook said it. */
export function waitingAsk(record: Pick<SessionRecord, 'status' | 'toolAsk'>): string | undefined {
  return record.status === 'waiting' ? record.toolAsk : undefined;
}

/** What a person does to get a session waiting at a first-run screen (or for a login) going; undefined for the others. */
export function waitingAdvice(record: Pick<SessionRecord, 'status' | 'statusDetail'>): string | undefined {
  if (record.status !== 'waiting' || record.statusDetail === undefined) return undefined;
  if (record.statusDetail === NOT_LOGGED_IN_DETAIL) return 'Claude Code refused the prompt: it is not logged in. Log in with Log In to Claude Code (a terminal), then send the prompt again (Send Input).';
  return SETUP_ADVICE[record.statusDetail];
}

/** Whether the session waits for Claude Code to be logged in (its menu offers a login). */
const waitsForLogin = (record: Pick<SessionRecord, 'status' | 'statusDetail'>): boolean =>
  record.status === 'waiting' && (record.statusDetail === NOT_LOGGED_IN_DETAIL || record.statusDetail === LOGIN_SCREEN);

/** The tooltip, as Markdown: the prompt's first lines, where, when, and what decided the state. */
export function sessionTooltip(record: SessionRecord, now: number, attachCommand?: string): string {
  const look = STATUS_LOOKS[record.status];
  const lines: string[] = [];
  lines.push(`**${escapeMarkdown(record.name)}** — ${look.label}${record.statusDetail ? ` (${escapeMarkdown(record.statusDetail)})` : ''}`);
  const asks = waitingAsk(record);
  if (asks) lines.push('', `Asks: \`${asks.replace(/`/g, "'")}\``);
  const advice = waitingAdvice(record);
  if (advice) lines.push('', `To go on: ${escapeMarkdown(advice)}`);
  lines.push('');
  const promptLines = record.prompt.split('\n').slice(0, 6);
  if (record.prompt) {
    for (const line of promptLines) lines.push(`> ${escapeMarkdown(line.slice(0, 200))}`);
    if (record.prompt.split('\n').length > 6 || record.promptBytes > record.prompt.length) lines.push('> …');
    lines.push('');
  }
  if (record.lastAnswer) {
    const answerLines = record.lastAnswer.split('\n').filter((line) => line.trim() !== '');
    lines.push(`Last answer${record.turns ? ` (turn ${record.turns})` : ''}:`);
    lines.push('');
    for (const line of answerLines.slice(0, 6)) lines.push(`> ${escapeMarkdown(line.slice(0, 200))}`);
    if (answerLines.length > 6 || record.lastAnswer.length >= ANSWER_PREVIEW_CHARS) lines.push('> …');
    lines.push('');
  }
  const since = `${formatAge(now - record.statusSince)} ago, from the ${record.statusSignal === 'hook' ? `${kindFacts(record.agentKind).title} hooks` : record.statusSignal === 'exit' ? 'exit status' : record.statusSignal}`;
  lines.push(`State since ${since}  `);
  lines.push(`Model: ${escapeMarkdown(modelText(record))} · permission mode: ${record.permissionMode}${record.agentVersion ? ` · ${kindFacts(record.agentKind).title} ${record.agentVersion}` : ''}  `);
  lines.push(`Folder: \`${record.cwd.replace(/`/g, "'")}\`  `);
  lines.push(...worktreeTooltipLines(record));
  lines.push(...usageTooltipLines(record));
  if (record.jobSlug) lines.push(`Job: ${escapeMarkdown(record.jobSlug)}  `);
  if (record.parent) lines.push(`Spawned by the agent of session ${escapeMarkdown(record.parent)} (depth ${record.depth ?? 1} in its chain)  `);
  if (record.batch) lines.push(`Label: ${escapeMarkdown(record.batch)} (spawned with others; the API lists and waits for them together)  `);
  if (record.adopted) lines.push(`Adopted: not started by Instar (\`${record.agentCommand.replace(/`/g, "'")}\`); no hooks, so its state comes from its screen and its exit  `);
  lines.push(`Started: ${new Date(record.createdAt).toLocaleString()}${(record.runs ?? 1) > 1 && record.resumedAt !== undefined ? `; resumed ${new Date(record.resumedAt).toLocaleString()} (run ${record.runs})` : ''}  `);
  if (record.idleLimitMs) lines.push(`Ends after ${formatDuration(record.idleLimitMs)} idle with nobody there${record.attached ? ' (open now: the count starts once it is closed)' : ''}  `);
  if (record.endedAt !== undefined) {
    const exit = exitStatusText(record.exitCode);
    lines.push(`Ended: ${new Date(record.endedAt).toLocaleString()}${exit ? `, ${exit}` : ''}  `);
  }
  if (attachCommand) lines.push(`Attach: \`${attachCommand.replace(/`/g, "'")}\``);
  return lines.join('\n');
}
