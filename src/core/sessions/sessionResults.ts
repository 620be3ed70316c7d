/**
 * What a session answered: the last assistant message of its last turn, as Claude Code's Stop
 * hook carries it (`last_assistant_message`), read back from the session's events. The events
 * folder (and its archive) is the record every engine reads, so the answer is there after the
 * session ended, after its tmux server was killed and after a reload, until the session is removed.
 */
import { isEnded, SessionRecord } from '../model/sessionRecord';
import type { HookEvent } from '../status/hookEvents';

export interface SessionResult {
  name: string;
  status: SessionRecord['status'];
  /** The last turn's answer, whole; null before any turn ended, or when the turn failed or gave none. */
  answer: string | null;
  /** Turns that ended (Stop or StopFailure), over every run of the session. */
  turns: number;
  /** When the last turn ended (epoch ms), if one did. */
  answeredAt: number | null;
  /** The last turn's failure (StopFailure's error), if it failed. */
  error: string | null;
  /** When the session ended, if it did. */
  endedAt: number | null;
  exitCode: number | null;
}

/** The result of `record` from its events (oldest first). */
export function resultOf(record: SessionRecord, events: readonly HookEvent[]): SessionResult {
  let turns = 0;
  let last: HookEvent | undefined;
  for (const event of events) {
    if (event.name !== 'Stop' && event.name !== 'StopFailure') continue;
    turns += 1;
    last = event;
  }
  return {
    name: record.name,
    status: record.status,
    answer: last?.name === 'Stop' ? (last.answer ?? null) : null,
    turns,
    answeredAt: last?.at ?? null,
    error: last?.name === 'StopFailure' ? (last.error ?? 'the turn failed') : null,
    endedAt: isEnded(record) ? record.endedAt! : null,
    exitCode: record.exitCode ?? null,
  };
}
