/**
 * How sessions end and come back: kill (the record stays, as killed), remove, end when idle (as
 * /exit does, once a turn has ended and nobody is there), and resume (`claude --resume` in a new
 * tmux session under the same name, tracked like a spawn).
 */
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { agentKindOf, kindFacts } from '../agent/agentKinds';
import { promptRoute } from '../agent/launchSpec';
import type { AgentLocator } from '../agent/agentLocator';
import type { AgentVersions } from '../agent/agentVersion';
import { formatDuration } from '../model/duration';
import { endSummary, idleEndAt, isEnded, newRun, SessionRecord } from '../model/sessionRecord';
import { formatUsd } from '../model/usage';
import type { EngineEventName } from '../status/hookEvents';
import { classifyScreen, inputBoxText, needsUser } from '../status/screen';
import { transition } from '../status/transitions';
import * as tmux from '../tmux/commands';
import { PaneInfo, parsePaneDetails } from '../tmux/parse';
import { tagCommands } from '../tmux/sessionTags';
import type { TmuxServers } from '../tmux/tmuxServers';
import { InstarError, invalidInput, isGone, isInstarError } from '../util/errors';
import { shellQuote } from '../util/shellQuote';
import { stripAnsi } from '../util/text';
import type { CommandRunner } from '../util/commandRunner';
import { delay } from '../util/delay';
import type { Clock, Logger } from '../util/host';
import { missingAgent, programFor } from './agentChoice';
import type { AgentLauncher } from './agentLauncher';
import type { EngineOptions } from './engineOptions';
import { taggedRecordOf, tmuxSessionName, workspaceKeyOf } from './recordTags';
import type { SessionFiles } from './sessionFiles';
import type { SessionInput } from './sessionInput';
import type { SessionOutput } from './sessionOutput';
import type { SessionStore } from './sessionStore';
import type { KeptWorktrees } from './keptWorktrees';
import type { UsageLedger } from './usageLedger';
import { MAX_PROMPT_BYTES, validateName, validateText } from './validation';

/** How long after a Stop a kill waits for the transcript to settle, and how long it must be still. */
const TRANSCRIPT_SETTLE_MS = 2000;
const TRANSCRIPT_QUIET_MS = 200;
/** How long a resume waits for the last run's claude to exit. */
const CONVERSATION_CLOSE_MS = 5000;
/** A budget stop: the pause after Escape interrupts the turn, between the Ctrl-Cs, and how long Claude Code may take to exit. */
const BUDGET_INTERRUPT_MS = 500;
const BUDGET_KEY_GAP_MS = 200;
const BUDGET_EXIT_MS = 10_000;

export interface LifecycleParts {
  store: SessionStore;
  files: SessionFiles;
  servers: TmuxServers;
  output: SessionOutput;
  input: SessionInput;
  agents: AgentLocator;
  versions: AgentVersions;
  launcher: AgentLauncher;
  /** Runs processes off the tmux path (pgrep). */
  tools: CommandRunner;
  options: () => EngineOptions;
  /** Called once a resumed session's tmux session is up. */
  onStarted: (record: SessionRecord) => void;
  /** Tells the other engines of the workspace what this one did; resolves with the event's file name. */
  announce: (record: SessionRecord, event: EngineEventName, fields?: Record<string, string>) => Promise<string | undefined>;
  /** Throws when no session may start now (the daily budget is spent). */
  checkMayStart: () => void;
  /** Where a removed session's cost stays counted. */
  ledger: UsageLedger;
  /** Where a removed session's worktree is remembered when it is kept. */
  kept: KeptWorktrees;
  clock: Clock;
  logger: Logger;
}

export class SessionLifecycle {
  /** Sessions being ended for being idle, by id: one /exit each. */
  private readonly ending = new Set<string>();

  constructor(private readonly parts: LifecycleParts) {}

  /** Ends the tmux session (interrupting a running agent) and keeps the record as killed. */
  async kill(name: string): Promise<SessionRecord> {
    const { store, output, clock, logger } = this.parts;
    const record = store.require(name);
    if (!isEnded(record)) {
      await this.letTranscriptSettle(record);
      store.update(name, record.id, (current) => ({ ...current, killRequested: true }));
      // Before the session goes, so that no other window takes its end for a loss.
      await this.parts.announce(record, 'instar:kill');
      await output.snapshot(record);
    }
    await this.killTmuxSession(record);
    const next = store.update(name, record.id, (current) => transition(current, { kind: 'killed', at: clock.now() }));
    if (next) await store.commit([next]);
    logger.info(`Killed ${name}`);
    return store.get(name) ?? record;
  }

  /** Forgets an ended session, with what remains of its tmux session and its files. */
  async remove(name: string): Promise<void> {
    const { store, files, logger } = this.parts;
    const record = store.require(name);
    if (!isEnded(record)) {
      throw new InstarError('session-live', `Session "${name}" is still ${record.status}; kill it before removing it.`);
    }
    await this.killTmuxSession(record);
    // The other windows forget it too; its events go, but for that word, left for windows that come later.
    const marker = await this.parts.announce(record, 'instar:remove');
    await this.parts.ledger.keep(record, this.parts.clock.now());
    if (record.worktree && !record.worktreeDiscarded) await this.parts.kept.keep({ name, worktree: record.worktree, keptAt: this.parts.clock.now() });
    await store.remove(name, record.id);
    await files.remove(record.id);
    await files.removeEvents(record.id, (file) => file === marker);
    logger.info(`Removed ${name}`);
  }

  /**
   * Ends a Claude Code session idle past its limit as /exit does (exit status 0), unless someone
   * is there: a client attached (an editor terminal, `tmux attach`), input on its way, text in
   * its input box, or a dialog on screen. `pane` is its pane as the last listing saw it.
   */
  async endIfIdle(record: SessionRecord, pane: PaneInfo): Promise<void> {
    const { store, input, servers, output, clock, logger } = this.parts;
    const due = idleEndAt(record);
    if (due === undefined || due > clock.now() || pane.attachedClients > 0 || input.isBusy(record.name) || this.ending.has(record.id)) return;
    this.ending.add(record.id);
    try {
      const screen = await servers.client(record.tmuxSocket).run([tmux.capturePane(pane.paneId, { history: 0, ansi: true })]);
      const shown = classifyScreen(stripAnsi(screen)).kind;
      // Claude Code's screen says idle and an empty input box; another CLI's, at least no dialog (its Stop hook said idle).
      if (record.agentKind === 'claude' ? inputBoxText(screen) !== '' || shown !== 'idle' : needsUser(shown)) return;
      const latest = store.get(record.name);
      if (!latest || latest.id !== record.id || idleEndAt(latest) !== due) return; // something happened meanwhile
      const marked = store.update(record.name, record.id, (current) => ({ ...current, endedWhenIdle: true }));
      if (marked) await Promise.all([store.commit([marked]), this.parts.announce(record, 'instar:end-idle')]);
      logger.info(`Ending ${record.name}: idle for ${formatDuration(record.idleLimitMs ?? 0)} after its turn`);
      await output.snapshot(record);
      await input.sendInput(record.name, kindFacts(record.agentKind).exitCommand ?? '/exit');
    } catch (error) {
      logger.warn(`Could not end ${record.name} when idle: ${(error as Error).message}`);
    } finally {
      this.ending.delete(record.id);
    }
  }

  /**
   * Stops a session over its budget: its turn is interrupted (Escape) and Claude Code ended as
   * Ctrl-C twice does (the conversation stays whole, so it can be resumed), or its tmux session
   * ended when that does not work. Every engine reads the end as an error with `detail`.
   */
  async stopForBudget(name: string, detail: string): Promise<void> {
    const { store, input, output, clock, logger } = this.parts;
    const record = store.get(name);
    if (!record || isEnded(record) || record.budgetExceeded) return;
    const marked = store.update(name, record.id, (current) => ({ ...current, budgetExceeded: detail }));
    if (!marked) return;
    await Promise.all([store.commit([marked]), this.parts.announce(record, 'instar:budget', { message: detail })]);
    logger.warn(`Stopping ${name}: ${detail}`);
    await output.snapshot(record).catch(() => undefined);
    try {
      if (kindFacts(record.agentKind).hooked) {
        await input.sendKeys(name, ['Escape']);
        await delay(BUDGET_INTERRUPT_MS);
        // The first Ctrl-C empties the input box (an interrupted turn hands its prompt back), the second exits.
        for (const key of ['C-c', 'C-c', 'C-c']) {
          if (isEnded(store.get(name) ?? record)) break;
          await input.sendKeys(name, [key]);
          await delay(BUDGET_KEY_GAP_MS);
        }
        const ended = await store.waitFor(name, (current) => current === undefined || current.id !== record.id || isEnded(current), BUDGET_EXIT_MS);
        if (ended) return;
      }
      logger.warn(`${name} did not end for its budget within ${BUDGET_EXIT_MS / 1000} s; ending its tmux session`);
    } catch (error) {
      if (!isInstarError(error, 'session-ended')) logger.warn(`Could not interrupt ${name} for its budget: ${(error as Error).message}`);
    }
    await this.killTmuxSession(record);
    const next = store.update(name, record.id, (current) => transition(current, { kind: 'vanished', at: clock.now() }));
    if (next) await store.commit([next]);
  }

  /**
   * Starts an ended Claude Code session's conversation again (`claude --resume`) under the same
   * name, folder, model and permission mode; `text`, when given, is submitted once it is back.
   */
  async resume(name: string, text?: string): Promise<SessionRecord> {
    const { store, files, servers, agents, versions, launcher, options, clock, logger } = this.parts;
    const record = store.require(name);
    if (!isEnded(record)) throw new InstarError('session-live', `Session "${name}" is still ${record.status}; only an ended session can be resumed.`);
    if (text !== undefined) validateText(text, 'text', MAX_PROMPT_BYTES);
    if (record.budgetUsd !== undefined && (record.usage?.costUsd ?? 0) >= record.budgetUsd) {
      throw new InstarError('over-budget', `Session "${name}" has spent ${formatUsd(record.usage?.costUsd ?? 0)} of its ${formatUsd(record.budgetUsd)} budget; raise its budget to resume it.`);
    }
    this.parts.checkMayStart();
    await this.requireConversation(record);
    const client = servers.client(record.tmuxSocket);
    await client.ensureVersion();
    const agent = programFor(options(), record.agentKind);
    const agentPath = await agents.locate(record.agentCommand).catch((error: unknown) => {
      throw missingAgent(record.agentKind, record.agentCommand, error);
    });
    const version = await versions.of(agentPath);
    // What is left of the last run: its dead pane (remain-on-exit), its exit status, and a claude
    // still on its way out (a killed session's claude takes a moment to exit): two claudes are
    // never run on one conversation.
    await this.killTmuxSession(record);
    await this.waitForConversationToClose(record.claudeSessionId!);
    await files.clearExitStatus(record.id);
    // Codex and Gemini CLI take a resumed conversation's next prompt in their argv, as a new one's
    // (pasted, it could come before their input box: Gemini CLI 0.61.0 lost it so). Claude Code's
    // is pasted once its screen shows it back, as every version of the matrix is tested with.
    const inline = text !== undefined && text !== '' && record.agentKind !== 'claude' && promptRoute(text) === 'inline' ? text : undefined;
    if (text && !inline) await files.writePrompt(record.id, text);
    const now = clock.now();
    // Back under the workspace's tmux name, whatever its last run's was (one from before that naming, or adopted): that session is gone.
    const restarted = store.update(name, record.id, (current) => ({
      ...newRun(current, { runs: (current.runs ?? 1) + 1, at: now, signal: 'spawn', detail: 'resuming', pendingPrompt: text !== undefined && text !== '' && inline === undefined, agentVersion: version?.text }),
      tmuxSession: tmuxSessionName(options(), name),
    }));
    if (!restarted) throw new InstarError('not-found', `Session "${name}" changed while it was being resumed; try again.`);
    try {
      const paneId = await launcher.launch(client, {
        record: restarted,
        agentPath,
        version,
        extraArgs: agent.args,
        env: { ...options().agentEnv },
        resumeId: record.claudeSessionId,
        prompt: inline,
      });
      this.parts.onStarted(restarted);
      store.update(name, record.id, (current) => ({ ...current, paneId }));
    } catch (error) {
      const failed = store.update(name, record.id, (current) => ({ ...current, status: 'error', statusSignal: 'spawn', statusSince: clock.now(), statusDetail: `could not resume: ${(error as Error).message}`.slice(0, 200), endedAt: clock.now(), exitCode: null }));
      if (failed) await store.commit([failed]);
      throw error;
    }
    const resumed = store.require(name);
    // Not waited for: the tags already say it runs again; the event only makes other windows look now.
    void this.parts.announce(resumed, 'instar:resume');
    await store.commit([resumed]);
    logger.info(`Resumed ${name} (run ${resumed.runs}, was ${endSummary(record)})${text ? ' with a follow-up' : ''}`);
    return store.get(name) ?? resumed;
  }

  /**
   * Takes over a tmux session Instar did not start (a claude run by hand, an orphan): it gets a
   * record and is tracked from then on by its screen and its exit, since it has no hooks.
   */
  async adopt(tmuxSession: string): Promise<SessionRecord> {
    const { store, servers, clock, logger } = this.parts;
    const client = servers.client();
    // Looked up by its exact tmux name first: a session of another workspace (`<label>-<key>/<name>`) says whose it is
    // before its name is judged. tmux allows no ":" or "." in a session's name (a target would read them as a window or pane).
    if (typeof tmuxSession !== 'string' || !/^[^:.\0\n]+$/.test(tmuxSession)) throw invalidInput(`There is no tmux session named ${JSON.stringify(tmuxSession)}: tmux session names have no ":" or ".".`);
    const details = parsePaneDetails(await client.run([tmux.displayMessage(tmux.sessionPane(tmuxSession), tmux.PANE_DETAILS)]).catch((error: unknown) => {
      if (isGone(error)) return '';
      throw error;
    }));
    if (details?.workspace !== undefined) {
      throw new InstarError(
        'name-taken',
        details.workspace === workspaceKeyOf(this.parts.options())
          ? `The tmux session "${tmuxSession}" is already this workspace's (another window started it); it shows in the Sessions view at the next refresh.`
          : `The tmux session "${tmuxSession}" belongs to Instar in another workspace; adopt it from there.`,
      );
    }
    let name: string;
    try {
      name = validateName(tmuxSession);
    } catch (error) {
      throw invalidInput(`The tmux session ${JSON.stringify(tmuxSession)} cannot be adopted under its name (${(error as Error).message.replace(/^Invalid session name \S+ /, '')}). Rename it first: tmux rename-session -t ${shellQuote(tmuxSession)} NEW-NAME`);
    }
    if (!details) throw new InstarError('not-found', `There is no tmux session named "${tmuxSession}" on ${client.socket ? `the tmux server "${client.socket}"` : 'the default tmux server'}.`);
    const holder = store.get(name);
    if (holder) throw new InstarError('name-taken', `A session named "${name}" is already Instar's (${holder.status}).`);
    if (details.dead) throw new InstarError('session-ended', `The tmux session "${name}" has no live program to adopt: it has exited.`);
    const now = clock.now();
    const agentKind = agentKindOf(details.command);
    const record: SessionRecord = {
      name,
      id: randomUUID(),
      status: 'running',
      statusSince: now,
      statusSignal: 'reconcile',
      statusDetail: 'adopted',
      model: agentKind === 'other' ? details.command : 'unknown',
      prompt: '',
      promptBytes: 0,
      cwd: details.path,
      permissionMode: 'default',
      agentKind,
      agentCommand: details.command,
      createdAt: now,
      tmuxSocket: client.socket,
      tmuxSession: name,
      paneId: details.paneId,
      panePid: details.pid,
      adopted: true,
      runs: 1,
    };
    if (!store.add(record).added) throw new InstarError('name-taken', `A session named "${name}" was just added; try again.`);
    try {
      // Its exit status kept for us to read, and tagged as this workspace's, as if Instar had started it.
      await client.run([tmux.setPaneOption(details.paneId, 'remain-on-exit', 'on'), ...tagCommands(name, workspaceKeyOf(this.parts.options()), taggedRecordOf(record))]);
    } catch (error) {
      store.discard(name, record.id);
      throw error;
    }
    this.parts.onStarted(record);
    await Promise.all([store.commit([record]), this.parts.announce(record, 'instar:spawn')]);
    logger.info(`Adopted the tmux session ${name} (${details.command} in ${details.path})`);
    return store.get(name) ?? record;
  }

  /**
   * Claude Code writes a turn to its transcript just after the Stop hook; killed in between
   * (2.1.197), it leaves a conversation it cannot resume. Right after a Stop, wait until the
   * transcript has stopped growing (2 s at most).
   */
  private async letTranscriptSettle(record: SessionRecord): Promise<void> {
    const { clock } = this.parts;
    const since = clock.now() - (record.lastEventAt ?? 0);
    if (record.agentKind !== 'claude' || record.lastEvent !== 'Stop' || !record.transcriptPath || since > TRANSCRIPT_SETTLE_MS) return;
    const size = () => fs.stat(record.transcriptPath!).then((stat) => stat.size, () => -1);
    const deadline = clock.now() + TRANSCRIPT_SETTLE_MS - since;
    let last = await size();
    while (clock.now() < deadline) {
      await delay(TRANSCRIPT_QUIET_MS);
      const now = await size();
      if (now === last) return;
      last = now;
    }
  }

  /** Waits (a few seconds at most, then ends them) for the processes still running a conversation. */
  private async waitForConversationToClose(conversationId: string): Promise<void> {
    const { tools, clock, logger } = this.parts;
    const running = async () => {
      // "pid name" lines; a tmux server started by this conversation's spawn carries its argv too: never it.
      const result = await tools.run('pgrep', ['-l', '-f', '--', conversationId], { timeoutMs: 5000 });
      if (result.exitCode !== 0) return [];
      return result.stdout
        .split('\n')
        .map((line) => /^(\d+)\s+(\S+)/.exec(line.trim()))
        .filter((match): match is RegExpExecArray => match !== null && !match[2].startsWith('tmux') && Number(match[1]) !== process.pid)
        .map((match) => match[1]);
    };
    const deadline = clock.now() + CONVERSATION_CLOSE_MS;
    let pids = await running();
    while (pids.length > 0 && clock.now() < deadline) {
      await delay(50);
      pids = await running();
    }
    if (pids.length === 0) return;
    logger.warn(`The last run of conversation ${conversationId} is still running (${pids.join(', ')}); ending it before resuming`);
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGTERM');
      } catch {
        // Gone meanwhile.
      }
    }
    await delay(500);
  }

  /** Throws the reason when a session has no conversation its agent CLI can resume. */
  private async requireConversation(record: SessionRecord): Promise<void> {
    const { title, hooked } = kindFacts(record.agentKind);
    if (!hooked) {
      throw new InstarError('cannot-resume', `Session "${record.name}" cannot be resumed: its agent (${record.agentCommand}) is not Claude Code, Codex or Gemini CLI.`);
    }
    if (record.adopted && !record.transcriptPath) {
      throw new InstarError('cannot-resume', `Session "${record.name}" cannot be resumed: it was adopted, and Instar never learnt its ${title} conversation (resume it in a terminal).`);
    }
    if (!record.claudeSessionId || !record.transcriptPath) {
      throw new InstarError('cannot-resume', `Session "${record.name}" cannot be resumed: ${title} never reported a conversation for it (it ended before its first hook).`);
    }
    try {
      await fs.access(record.transcriptPath);
    } catch {
      throw new InstarError('cannot-resume', `Session "${record.name}" cannot be resumed: its conversation (${record.transcriptPath}) no longer exists.`);
    }
  }

  /** Ends the session's tmux session; one already gone is fine. */
  private async killTmuxSession(record: SessionRecord): Promise<void> {
    try {
      await this.parts.servers.client(record.tmuxSocket).run([tmux.killSession(record.tmuxSession)]);
    } catch (error) {
      if (!isGone(error)) throw error;
    }
  }
}
