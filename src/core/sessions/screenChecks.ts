/**
 * The screen, the status tracker's last source: which sessions only their screen can tell about
 * now (agents without hooks, dialogs, a turn gone quiet), their capture, and its application.
 * A pane is captured again only where it printed since the last capture (tmux keeps each window's
 * last activity, in whole seconds): a quiet pane shows what it showed, only quieter, so quiet
 * sessions of agents without hooks cost no tmux call.
 */
import { isHooked } from '../agent/agentKinds';
import type { SessionRecord } from '../model/sessionRecord';
import { classifyScreen, ScreenState } from '../status/screen';
import { CLAUDE_QUIET_MS, StatusInput } from '../status/transitions';
import * as tmux from '../tmux/commands';
import type { PaneInfo } from '../tmux/parse';
import type { TmuxServers } from '../tmux/tmuxServers';
import type { Clock } from '../util/host';
import type { PromptDelivery } from './promptDelivery';
import type { SessionStore } from './sessionStore';

/** A generic agent that printed nothing this long is ready for a waiting prompt. */
const GENERIC_READY_QUIET_MS = 2000;

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

  /** Reads and applies a session's screen; delivers a waiting prompt once the agent is ready for it. */
  async check(record: SessionRecord, pane: PaneInfo): Promise<void> {
    const { store, servers, delivery, clock } = this.parts;
    let screen = this.unchanged(record.id, pane);
    // When the screen was as read: now for one unchanged since, else when its capture began.
    const readAt = clock.now();
    if (!screen) {
      let text: string;
      try {
        text = await servers.client(record.tmuxSocket).run([tmux.capturePane(pane.paneId, { history: 0, ansi: false })]);
      } catch {
        return; // Gone meanwhile: the next refresh sees it.
      }
      screen = classifyScreen(text);
      this.screens.set(record.id, { paneId: pane.paneId, activityAt: pane.activityAt, readAt, screen });
      this.parts.printed();
    }
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
