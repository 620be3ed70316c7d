/**
 * Talking to a live session without attaching: text typed literally, or pasted with bracketed
 * paste when long or multi-line, then an Enter as a separate call; keys by name to answer
 * dialogs. Input to one session goes in order, one piece at a time, so texts never interleave.
 */
import { randomUUID } from 'node:crypto';
import { kindFacts } from '../agent/agentKinds';
import { endSummary, isEnded, SessionRecord } from '../model/sessionRecord';
import { Dialog, findOption } from '../status/dialog';
import { transition } from '../status/transitions';
import { classifyScreen, inputBoxText, ScreenKind, ScreenState } from '../status/screen';
import * as tmux from '../tmux/commands';
import type { TmuxServers } from '../tmux/tmuxServers';
import { delay } from '../util/delay';
import { InstarError, invalidInput, isGone } from '../util/errors';
import type { Clock, Logger } from '../util/host';
import { stripAnsi } from '../util/text';
import { AnswerOutcome, chooseOption, DialogIo } from './dialogAnswer';
import type { SessionStore } from './sessionStore';
import { MAX_PROMPT_BYTES, validateText } from './validation';

/** Input is a prompt too: the same limit. */
export const MAX_INPUT_BYTES = MAX_PROMPT_BYTES;
/** Longer or multi-line input is pasted (bracketed) rather than typed. */
const TYPE_LIMIT_BYTES = 1024;
/** How long an answer waits for its dialog to be drawn, and how often it looks. */
const DIALOG_WAIT_MS = 3000;
const DIALOG_POLL_MS = 100;
const KEY_PATTERN =
  /^(Escape|Enter|Tab|BTab|BSpace|Space|Up|Down|Left|Right|Home|End|PageUp|PageDown|PgUp|PgDn|PPage|NPage|IC|DC|F([1-9]|1[0-2])|[CMS]-([A-Za-z0-9]|Space|Enter|Tab|Up|Down|Left|Right)|[\x21-\x7e])$/;

/** A dialog on a session's screen, as callers see it. */
export interface ShownDialog extends Dialog {
  kind: ScreenKind;
  /** What it is: "trust dialog", "permission dialog"… */
  detail?: string;
  /** What the pending tool call asks to do, from its hook (the command, the file, the question). */
  toolAsk?: string;
}

/** An answer that landed: the option chosen (its label) and what became of it. */
export interface Answered {
  dialog: ShownDialog;
  answered: string;
  outcome: AnswerOutcome;
}

/** How long keys sent together wait, each, for the screen to show it before the next (a burst is read as one key by 2.1.197). */
const KEY_ECHO_MS = 300;
const KEY_ECHO_POLL_MS = 20;

export interface SessionInputOptions {
  /** Pause between typed text and the Enter that submits it. */
  submitDelayMs: () => number;
  /** Called when a session turned out to be gone from tmux, so its state is checked at once. */
  onGone: () => void;
  clock: Clock;
  logger: Logger;
}

export class SessionInput {
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly store: SessionStore,
    private readonly servers: TmuxServers,
    private readonly options: SessionInputOptions,
  ) {}

  /**
   * Sends text as if typed: literally (key names stay text), pasted with bracketed paste when
   * it is long or has several lines, then, when `submit`, an Enter after a short pause so the
   * agent takes it as a submission and not as part of the paste.
   */
  async sendInput(name: string, text: string, options: { submit?: boolean } = {}): Promise<void> {
    const record = this.requireLive(name);
    validateText(text, 'input', MAX_INPUT_BYTES);
    const submit = options.submit ?? true;
    if (text === '' && !submit) return;
    const since = this.options.clock.now();
    const pasted = await this.enqueue(name, () => this.typeText(record, text, submit));
    // Typed text too, to a session at its prompt: under load the Enter can be taken as the end of a
    // fast-typed burst and lost (a follow-up never answered: seen once in CI, once in code-server). Not
    // for a busy one, which holds a follow-up in its queue with no UserPromptSubmit until its turn ends.
    const atPrompt = record.status === 'idle' || record.status === 'starting';
    if (submit && text !== '' && (pasted || atPrompt)) void this.enqueue(name, () => this.ensureSubmitted(name, since, undefined, text)).catch(() => undefined);
  }

  /**
   * Sends keys by name (Escape, Enter, C-c, Up, 1, y…) to answer dialogs. Several go one at a
   * time, each once the screen changed for the one before (or after a short while when it did not).
   */
  async sendKeys(name: string, keys: readonly string[]): Promise<void> {
    const record = this.requireLive(name);
    if (!Array.isArray(keys) || keys.length === 0 || keys.length > 100) throw invalidInput('Give 1 to 100 keys, such as ["Escape"], ["1"] or ["C-c"].');
    for (const key of keys) {
      if (typeof key !== 'string' || !KEY_PATTERN.test(key)) {
        throw invalidInput(
          `Unknown key ${JSON.stringify(key)}: use a single printable character, Enter, Escape, Tab, BTab, BSpace, Space, Up, Down, Left, Right, Home, End, PageUp, PageDown, F1–F12, or C-/M-/S- with a letter or digit (C-c). To type text, send input instead.`,
        );
      }
    }
    await this.enqueue(name, async () => {
      if (keys.length === 1) return this.press(record, keys[0]);
      for (const [i, key] of keys.entries()) {
        const before = i < keys.length - 1 ? await this.screen(record) : undefined;
        await this.press(record, key);
        if (before === undefined) continue;
        const deadline = this.options.clock.now() + KEY_ECHO_MS;
        while (this.options.clock.now() < deadline && (await this.screen(record)) === before) await delay(KEY_ECHO_POLL_MS);
      }
    });
  }

  /**
   * The dialog the session shows, with its options; undefined when none shows within `waitMs`
   * (a hook can announce a dialog a moment before Claude Code has drawn it).
   */
  async dialog(name: string, waitMs = 0): Promise<ShownDialog | undefined> {
    return (await this.awaitDialog(name, waitMs))?.shown;
  }

  /** The dialog, with when (the clock's time) it was seen: right after the screen showing it was read. */
  private async awaitDialog(name: string, waitMs: number): Promise<{ shown: ShownDialog; seenAt: number } | undefined> {
    const record = this.requireLive(name);
    const deadline = this.options.clock.now() + waitMs;
    for (;;) {
      const screen = classifyScreen(await this.screen(record));
      if (screen.dialog) return { shown: this.shown(name, screen, screen.dialog), seenAt: this.options.clock.now() };
      if (this.options.clock.now() >= deadline) return undefined;
      await delay(DIALOG_POLL_MS);
    }
  }

  private shown(name: string, screen: ScreenState, dialog: Dialog): ShownDialog {
    const toolAsk = screen.kind === 'permission' || screen.kind === 'question' ? this.store.get(name)?.toolAsk : undefined;
    return { kind: screen.kind, detail: screen.detail, ...dialog, ...(toolAsk ? { toolAsk } : {}) };
  }

  /**
   * Picks an option of the dialog on screen by its label (or its number, in a numbered dialog):
   * one arrow key at a time, the selection read back after each, Enter once it is on that
   * option, then the dialog seen gone and, for a refused tool call, the turn seen interrupted
   * with no tool run (dialogAnswer.ts). Refuses, listing what is offered, when no such option shows.
   */
  async answer(name: string, option: string): Promise<Answered> {
    if (typeof option !== 'string' || option.trim() === '') throw invalidInput('Name the option to choose by its label, such as "Yes, I trust this folder".');
    return this.enqueue(name, async () => {
      const seen = await this.awaitDialog(name, DIALOG_WAIT_MS);
      if (!seen) throw new InstarError('no-dialog', `Session "${name}" shows no dialog to answer; send input or keys instead.`);
      const { shown, seenAt } = seen;
      const index = findOption(shown, option);
      if (index < 0) {
        throw invalidInput(`Session "${name}" offers no option ${JSON.stringify(option)}; its ${shown.detail ?? 'dialog'} offers: ${shown.options.map((o) => JSON.stringify(o.label)).join(', ')}.`);
      }
      const record = this.store.require(name);
      const io: DialogIo = {
        read: async () => {
          const text = await this.screen(record);
          return { ...classifyScreen(text), text };
        },
        press: (key) => this.press(record, key),
        progress: () => {
          const now = this.store.get(name);
          return { toolCalls: now?.toolCalls ?? 0, eventCursor: now?.eventCursor ?? '', lastEvent: now?.lastEvent ?? '', status: now?.status ?? 'lost' };
        },
        sleep: delay,
        now: () => this.options.clock.now(),
      };
      const what = `${shown.detail ?? 'dialog'}${shown.toolAsk ? ` (${shown.toolAsk})` : ''}`;
      try {
        const askedAt = this.options.clock.now();
        const result = await chooseOption(io, { dialog: shown, kind: shown.kind, seenAt }, index);
        this.options.logger.info(`${name}: answered ${JSON.stringify(result.option.label)} in the ${what}: ${result.outcome}, confirmed in ${result.ms} ms (keys ${result.keys.join(' ')})`);
        const next = this.store.update(name, record.id, (current) => transition(current, { kind: 'answered', outcome: result.outcome, at: this.options.clock.now(), askedAt }));
        if (next) await this.store.commit([next]);
        return { dialog: shown, answered: result.option.label, outcome: result.outcome };
      } catch (error) {
        this.options.logger.error(`${name}: answering ${JSON.stringify(shown.options[index].label)} in the ${what} failed: ${(error as Error).message}`);
        throw error;
      }
    });
  }

  /** One key, alone in its tmux call. */
  private async press(record: SessionRecord, key: string): Promise<void> {
    await this.servers.client(record.tmuxSocket).run([tmux.sendKeys(tmux.sessionPane(record.tmuxSession), [key])]);
  }

  /** The visible screen, plain or with colours. */
  private screen(record: SessionRecord, ansi = false): Promise<string> {
    return this.servers.client(record.tmuxSocket).run([tmux.capturePane(tmux.sessionPane(record.tmuxSession), { history: 0, ansi })]);
  }

  /** Whether input to the session is on its way. */
  isBusy(name: string): boolean {
    return this.queues.has(name);
  }

  /** Pastes a whole text and submits it, then makes sure it was taken (a long prompt's delivery). */
  async paste(record: SessionRecord, text: string): Promise<void> {
    const since = this.options.clock.now();
    await this.enqueue(record.name, () => this.typeText(record, text, true));
    await this.enqueue(record.name, () => this.ensureSubmitted(record.name, since, undefined, text));
  }

  /**
   * Makes sure Claude Code took submitted input: rarely, under load, the Enter after a bracketed
   * paste is lost and the paste stays in the input box (seen once in 33 trials). If no
   * UserPromptSubmit came within `waitMs` of `since` and the input box still holds text, Enter is
   * pressed once more. Where the box is empty, the session still at its prompt and its screen
   * does not show `text` (so it was not taken either), the text is typed once more: the keys
   * themselves were lost (seen in CI with 2.1.260 and 2.1.332, a follow-up sent as a turn that ran
   * an approved tool ended, its screen then blank above an empty box). Returns whether it acted.
   */
  async ensureSubmitted(name: string, since: number, waitMs = 3000, text?: string): Promise<boolean> {
    const record = this.requireLive(name);
    if (record.agentKind !== 'claude') return false;
    const taken = (current: SessionRecord | undefined) => (current?.lastPromptAt ?? 0) >= since;
    // Waits for the UserPromptSubmit hook (or the end of the session), on the store's events.
    const settled = (current: SessionRecord | undefined) => taken(current) || current?.id !== record.id || isEnded(current);
    await this.store.waitFor(name, settled, waitMs);
    const latest = this.store.get(name);
    if (latest?.id !== record.id || taken(latest) || isEnded(latest)) return false;
    // With colours, so that dim placeholder text ("Resend your message…") is not taken for input.
    const screen = await this.screen(record, true).catch(() => '');
    if (inputBoxText(screen)) {
      this.options.logger.warn(`${name}: the paste was not submitted; pressing Enter again`);
      await this.press(record, 'Enter');
      return true;
    }
    const head = (text ?? '').trim().split('\n')[0].slice(0, 60);
    if (head === '' || (latest.status !== 'idle' && latest.status !== 'starting') || stripAnsi(screen).includes(head)) return false;
    this.options.logger.warn(`${name}: the input was lost (no prompt taken, nothing in its input box); typing it again`);
    await this.typeText(latest, text!, true);
    return true;
  }

  private requireLive(name: string): SessionRecord {
    const record = this.store.require(name);
    if (isEnded(record)) {
      throw new InstarError(
        'session-ended',
        `Session "${name}" has ended (${endSummary(record)}); it cannot take input.${record.claudeSessionId && kindFacts(record.agentKind).hooked ? ` Its conversation can be resumed with: ${kindFacts(record.agentKind).resumeCommand(kindFacts(record.agentKind).program, record.claudeSessionId)}` : ''}`,
      );
    }
    return record;
  }

  private enqueue<T>(name: string, work: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(name) ?? Promise.resolve();
    const result = previous.catch(() => undefined).then(work);
    const settled = result.catch(() => undefined);
    this.queues.set(name, settled);
    void settled.then(() => {
      if (this.queues.get(name) === settled) this.queues.delete(name);
    });
    return result;
  }

  /** Types or pastes text (and Enter); returns whether it was pasted. */
  private async typeText(record: SessionRecord, text: string, submit: boolean): Promise<boolean> {
    const client = this.servers.client(record.tmuxSocket);
    const target = tmux.sessionPane(record.tmuxSession);
    let pasted = false;
    try {
      const normalized = text.replace(/\r\n?/g, '\n');
      if (normalized !== '') {
        pasted = normalized.includes('\n') || Buffer.byteLength(normalized, 'utf8') > TYPE_LIMIT_BYTES;
        if (pasted) {
          const buffer = `instar-${record.id.slice(0, 8)}-${randomUUID().slice(0, 8)}`;
          await client.run([tmux.loadBufferFromStdin(buffer), tmux.pasteBuffer(buffer, target)], normalized);
        } else {
          await client.run([tmux.sendLiteral(target, normalized)]);
        }
        if (submit) await delay(this.options.submitDelayMs());
      }
      if (submit) await client.run([tmux.sendKeys(target, ['Enter'])]);
      return pasted;
    } catch (error) {
      if (isGone(error)) {
        this.options.onGone();
        throw new InstarError('session-ended', `Session "${record.name}" is no longer running in tmux; the input was not delivered.`, { cause: error });
      }
      throw error;
    }
  }
}
