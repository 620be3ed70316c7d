/**
 * GET /events: every state change of the workspace's sessions as server-sent events, from the
 * engine's change event (no polling). A client first gets the sessions as they are (`sessions`),
 * then one `session` event per change of state (status, its detail, an end, a new turn) and a
 * `removed` event per session removed. A comment line every 15 s keeps proxies and idle timers
 * from closing the stream and tells a client that went away: its listener is then dropped, as is
 * one that does not read (more than 1 MiB waiting).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SessionRecord } from '../model/sessionRecord';
import type { SessionsChange } from '../sessions/sessionStore';
import { ApiSession, toApiSession } from './apiSession';

export const KEEP_ALIVE_MS = 15_000;
/** What one client may leave unread before it is dropped. */
const MAX_UNREAD_BYTES = 1024 * 1024;

export interface EventSource {
  list(): SessionRecord[];
  onDidChange(listener: (change: SessionsChange) => void): { dispose(): void };
}

/** Which sessions a stream shows: all, one by name, or those of a label. */
export interface StreamFilter {
  name?: string;
  label?: string;
}

/** What makes a change worth an event: the state as a client sees it. */
const stateKey = (record: SessionRecord): string => `${record.status}|${record.statusDetail ?? ''}|${record.endedAt ?? ''}|${record.turns ?? 0}|${record.runs ?? 1}`;

export function streamEvents(req: IncomingMessage, res: ServerResponse, source: EventSource, filter: StreamFilter, onClose: () => void): void {
  const shown = (record: SessionRecord) => (filter.name === undefined || record.name === filter.name) && (filter.label === undefined || record.batch === filter.label);
  const sent = new Map<string, string>();
  let id = 0;
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  const write = (text: string) => {
    if (res.writableLength > MAX_UNREAD_BYTES) return void close();
    res.write(text);
  };
  const event = (name: string, data: unknown) => write(`id: ${++id}\nevent: ${name}\ndata: ${JSON.stringify(data)}\n\n`);

  const initial: ApiSession[] = [];
  for (const record of source.list()) {
    if (!shown(record)) continue;
    sent.set(record.name, stateKey(record));
    initial.push(toApiSession(record));
  }
  event('sessions', initial);
  const subscription = source.onDidChange((change) => {
    for (const record of change.changed) {
      if (!shown(record)) continue;
      const key = stateKey(record);
      if (sent.get(record.name) === key) continue;
      sent.set(record.name, key);
      event('session', toApiSession(record));
    }
    for (const name of change.removed) {
      if (!sent.delete(name)) continue;
      event('removed', { name });
    }
  });
  const keepAlive = setInterval(() => write(': keep-alive\n\n'), KEEP_ALIVE_MS);
  keepAlive.unref?.();
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(keepAlive);
    subscription.dispose();
    res.destroy();
    onClose();
  };
  req.on('close', close);
  res.on('close', close);
  res.on('error', close);
}
