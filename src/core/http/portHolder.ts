/**
 * Who holds a port on 127.0.0.1, as its answer to GET /health tells: nobody, the front door of
 * this user's Instar Sessions (or another user's), a workspace's own Instar Sessions API (an
 * older version that does not share the port, or a port set by hand), or another program. Said
 * in words for the messages that tell the user what to do about a port taken.
 */
import { get } from 'node:http';

export type PortHolder =
  | { kind: 'nobody' }
  /** `ours`: this user's, on the same registry (a door on another state folder knows none of this host's workspaces). */
  | { kind: 'door'; ours: boolean; sameUser: boolean; workspaces?: number }
  | { kind: 'instar'; version?: string }
  | { kind: 'other'; detail: string };

const PROBE_MS = 1500;

/** `registry`: the id of the door registry this host uses (registryId()), to tell a door on another one. */
export function whoHolds(port: number, registry?: string, timeoutMs = PROBE_MS): Promise<PortHolder> {
  return new Promise((resolve) => {
    const req = get({ host: '127.0.0.1', port, path: '/health', agent: false, headers: { host: `127.0.0.1:${port}` }, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= 64 * 1024) chunks.push(chunk);
        else res.destroy();
      });
      res.on('error', () => resolve({ kind: 'other', detail: `answers HTTP ${res.statusCode}` }));
      res.on('end', () => resolve(holderOf(res.statusCode ?? 0, [res.headers.server].flat()[0], Buffer.concat(chunks).toString('utf8'), registry)));
    });
    req.on('timeout', () => {
      req.destroy();
      resolve({ kind: 'other', detail: `does not answer HTTP within ${timeoutMs} ms` });
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED' ? { kind: 'nobody' } : { kind: 'other', detail: `does not answer HTTP (${error.code ?? error.message})` }));
  });
}

function holderOf(status: number, server: string | undefined, text: string, registry: string | undefined): PortHolder {
  let value: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) value = parsed as Record<string, unknown>;
  } catch {
    // Not JSON: not ours.
  }
  if (status === 200 && value?.door === true) {
    const sameUser = (typeof value.uid === 'number' ? value.uid : undefined) === process.getuid?.();
    const ours = sameUser && (registry === undefined || value.registry === registry);
    return { kind: 'door', ours, sameUser, workspaces: typeof value.workspaces === 'number' ? value.workspaces : undefined };
  }
  if (status === 200 && value?.status === 'ok' && value.sessions !== undefined) return { kind: 'instar', version: typeof value.version === 'string' ? value.version : undefined };
  return { kind: 'other', detail: `answers HTTP ${status}${server ? `, server ${JSON.stringify(server.slice(0, 60))}` : ''}` };
}

/** The holder in words, after "held by". */
export function describeHolder(holder: PortHolder): string {
  switch (holder.kind) {
    case 'nobody':
      return 'nothing any more';
    case 'door':
      if (holder.ours) return 'the front door of Instar Sessions';
      return holder.sameUser ? 'the front door of Instar Sessions on another state folder (its hosts have another XDG_STATE_HOME), which knows none of these workspaces' : "another user's Instar Sessions";
    case 'instar':
      return `the API of one workspace of Instar Sessions${holder.version ? ` ${holder.version}` : ''} (a version that does not share the port, or a window with this port set)`;
    case 'other':
      return `another program (it ${holder.detail})`;
  }
}
