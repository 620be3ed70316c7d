/**
 * A loopback HTTP server standing in for a webhook or ntfy: it records every request; a path
 * `/fail-N/…` answers 500 to its first N requests, `/hang/…` never answers, any other 200.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { closeServer, listenOnLoopback } from './loopbackServer';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The status it was answered with (none: left hanging). */
  status?: number;
}

export interface NotifyReceiver {
  url: string;
  received: Received[];
  /** The requests whose path starts with `prefix`. */
  at(prefix: string): Received[];
  close(): Promise<void>;
}

export async function startReceiver(): Promise<NotifyReceiver> {
  const received: Received[] = [];
  const failures = new Map<string, number>();
  const { server, base } = await listenOnLoopback((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      const path = request.url ?? '';
      const entry: Received = { path, headers: request.headers, body };
      received.push(entry);
      if (path.startsWith('/hang/')) return;
      const fail = /^\/fail-(\d+)\//.exec(path);
      const failed = failures.get(path) ?? 0;
      entry.status = fail && failed < Number(fail[1]) ? 500 : 200;
      if (entry.status === 500) failures.set(path, failed + 1);
      response.writeHead(entry.status).end(entry.status === 500 ? 'not now' : 'ok');
    });
  });
  return {
    url: base,
    received,
    at: (prefix) => received.filter((request) => request.path.startsWith(prefix)),
    close: () => closeServer(server),
  };
}
