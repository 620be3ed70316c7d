/**
 * The screen, the status tracker's last source: which sessions only their screen can tell about
 * now (agents without hooks, dialogs, a turn gone quiet), their capture, and its application.
 * A pane is captured again only where it printed since the last capture (tmux keeps each window's
 * last activity, in whole seconds): a quiet pane shows what it showed, only quieter, so quiet
 * sessions of agents without hooks cost no tmux call.
 */
import { randomUUID } from 'node:crypto';
import { isHooked } from '../agent/agentKinds';
import type { SessionRecord } from '../model/sessionRecord';
import { classifyScreen, ScreenState } from '../status/screen';
import { CLAUDE_QUIET_MS, StatusInput } from '../status/transitions';
import * as tmux from '../tmux/commands';
import { splitCaptures, type PaneInfo } from '../tmux/parse';
import type { TmuxServers } from '../tmux/tmuxServers';
import type { Clock } from '../util/host';
import type { PromptDelivery } from './promptDelivery';
import type { SessionStore } from './sessionStore';

/** A generic agent that printed nothing this long is ready for a waiting prompt. */
const GENERIC_READY_QUIET_MS = 2000;

/** Screens captured in one tmux call at most (its command line grows with each). */
const CAPTURES_PER_CALL = 50;

export interface ScreenCheckParts {
  store: SessionStore;
  servers: TmuxServers;
  delivery: PromptDelivery;
  clock: Clock;
  /** Applies a status input to the store's current record; the changed record, if any. */
  apply: (record: SessionRecord, input: StatusInput) => SessionRecord | undefined;
  /** The pane printed: the monitor checks at its period again. */
  printed: () => void;
}

export class ScreenChecks {
  /** The last screen captured of each session, with the pane activity it reflects. */
  private readonly screens = new Map<string, { paneId: string; activityAt: number | undefined; readAt: number; screen: ScreenState }>();

  constructor(private readonly parts: ScreenCheckParts) {}

  /** Forgets the screens of sessions that are not in `live` (by id). */
  keepOnly(live: ReadonlySet<string>): void {
    for (const id of this.screens.keys()) if (!live.has(id)) this.screens.delete(id);
  }

  /** Whether only the screen can tell this session's state now. */
  needed(record: SessionRecord, pane: PaneInfo, now: number): boolean {
    // Without hooks (another program, an adopted session) only the screen tells.
    if (!isHooked(record)) return true;
    if (record.pendingPrompt) return true;
    switch (record.status) {
      case 'starting':
        // Until a hook came: a first-run dialog shows before any. After SessionStart the hooks tell.
        return record.statusSignal !== 'hook' && now - (record.resumedAt ?? record.createdAt) >= 1000;
      case 'waiting':
        return true;
      case 'running':
        return (record.toolPending !== undefined && record.permissionMode !== 'bypassPermissions') || quietFor(pane, now) >= CLAUDE_QUIET_MS;
      default:
        return false;
    }
  }

  /**
   * Reads and applies the screens of sessions of one tmux server: those that cannot have printed
   * since their last capture from it, the others captured together (a tmux call per
   * CAPTURES_PER_CALL, not one each: a start finds every waiting session's screen to read).
   */
  async checkAll(socket: string, checks: readonly { record: SessionRecord; pane: PaneInfo }[]): Promise<void> {
    // When a screen was as read: now for one unchanged since, else when its capture began.
    const now = this.parts.clock.now();
    const toCapture = checks.filter(({ record, pane }) => !this.unchanged(record.id, pane));
    const captured = new Map<string, { text: string; readAt: number }>();
    for (let first = 0; first < toCapture.length; first += CAPTURES_PER_CALL) {
      const panes = toCapture.slice(first, first + CAPTURES_PER_CALL).map(({ pane }) => pane.paneId);
      const readAt = this.parts.clock.now();
      for (const [paneId, text] of await this.capture(socket, panes)) captured.set(paneId, { text, readAt });
    }
    if (captured.size > 0) this.parts.printed();
    await Promise.all(
      checks.map(({ record, pane }) => {
        const read = captured.get(pane.paneId);
        if (read) {
          const screen = classifyScreen(read.text);
          this.screens.set(record.id, { paneId: pane.paneId, activityAt: pane.activityAt, readAt: read.readAt, screen });
          return this.apply(record, pane, screen, read.readAt);
        }
        const screen = this.unchanged(record.id, pane);
        // Neither unchanged nor captured: gone meanwhile, which the next refresh sees.
        return screen ? this.apply(record, pane, screen, now) : undefined;
      }),
    );
  }

  /** The panes' screens, in one call; one call each when that fails (a pane gone meanwhile ends a call), without those that are gone. */
  private async capture(socket: string, paneIds: readonly string[]): Promise<Map<string, string>> {
    const client = this.parts.servers.client(socket);
    const spec = { history: 0, ansi: false };
    const screens = new Map<string, string>();
    if (paneIds.length > 1) {
      const separator = `instar-capture-${randomUUID()}`;
      const texts = await client.run(tmux.capturePanes(paneIds, spec, separator)).then((output) => splitCaptures(output, separator, paneIds.length), () => undefined);
      if (texts) {
        paneIds.forEach((paneId, i) => screens.set(paneId, texts[i]));
        return screens;
      }
    }
    await Promise.all(
      paneIds.map(async (paneId) => {
        const text = await client.run([tmux.capturePane(paneId, spec)]).catch(() => undefined);
        if (text !== undefined) screens.set(paneId, text);
      }),
    );
    return screens;
  }

  /** Applies a session's screen; delivers a waiting prompt once the agent is ready for it. */
  private async apply(record: SessionRecord, pane: PaneInfo, screen: ScreenState, readAt: number): Promise<void> {
    const { store, delivery, clock } = this.parts;
    const now = clock.now();
    const next = this.parts.apply(record, { kind: 'screen', screen, at: readAt, quietMs: quietFor(pane, now) });
    if (next) await store.commit([next]);
    const latest = store.get(record.name);
    if (latest?.pendingPrompt && latest.id === record.id) {
      const ready = latest.agentKind === 'claude' ? screen.kind === 'idle' : quietFor(pane, now) >= GENERIC_READY_QUIET_MS && (!isHooked(latest) || startedThisRun(latest));
      if (ready) void delivery.deliver(latest);
    }
  }

  /**
   * The screen last captured, if the pane cannot have printed since: the capture began after the
   * end of the second of its last activity, so any later output would have moved that second.
   */
  private unchanged(id: string, pane: PaneInfo): ScreenState | undefined {
    const last = this.screens.get(id);
    if (!last || last.paneId !== pane.paneId || pane.activityAt === undefined || last.activityAt !== pane.activityAt) return undefined;
    return last.readAt >= pane.activityAt + 1000 ? last.screen : undefined;
  }
}

/** A hook of this run came (its SessionStart): a CLI with hooks takes input once it says it started, not when its screen first goes quiet. */
function startedThisRun(record: SessionRecord): boolean {
  return record.lastEventAt !== undefined && record.lastEventAt >= (record.resumedAt ?? record.createdAt);
}

function quietFor(pane: PaneInfo, now: number): number {
  // tmux counts activity in whole seconds: count from the end of that second.
  return pane.activityAt === undefined ? Number.POSITIVE_INFINITY : Math.max(0, now - (pane.activityAt + 999));
}
