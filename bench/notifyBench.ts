/**
 * What a notification costs on its way out: a session's change to "waiting" (a hook event
 * written, the engine's change event) until a loopback webhook has the whole request, against a
 * bare HTTP POST of the same body to the same server. Target: p95 at most 20 ms more.
 */
import { randomUUID } from 'node:crypto';
import { rename, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { engineNotifier } from '../src/core/notify/notifier';
import type { SessionRecord } from '../src/core/model/sessionRecord';
import type { SessionEngine } from '../src/core/sessions/sessionEngine';
import { silentLogger } from '../src/core/util/host';

export interface NotifyFigures {
  /** ms from the change event to the webhook's receipt, each wait. */
  ours: number[];
  /** ms from a bare POST's call to its receipt. */
  bare: number[];
}

export async function measureNotify(options: { engine: SessionEngine; stateDir: string; target: SessionRecord; waits: number }): Promise<NotifyFigures> {
  const { engine, stateDir, target, waits } = options;
  const received = new Map<string, number>();
  let onReceipt: ((id: string) => void) | undefined;
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const id = String(request.headers['x-instar-delivery'] ?? request.headers['x-bare'] ?? '');
      received.set(id, performance.now());
      onReceipt?.(id);
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  // The change's moment, taken by a listener subscribed before the notifier's.
  const changedAt = new Map<number, number>();
  const subscription = engine.onDidChange((change) => {
    for (const record of change.changed) if (record.name === target.name && record.status === 'waiting' && !changedAt.has(record.statusSince)) changedAt.set(record.statusSince, performance.now());
  });
  const notifier = engineNotifier(engine, { stateDir, workspace: stateDir, logger: silentLogger });
  notifier.configure({ webhookUrl: url, kinds: ['waiting'], maxPerMinute: 600 });
  notifier.setLeading(true);
  const events = join(stateDir, 'events');
  const hook = async (name: string) => {
    const suffix = randomUUID().replace(/-/g, '').slice(0, 8);
    const temporary = join(events, `.${target.id}.${suffix}`);
    await writeFile(temporary, JSON.stringify({ hook_event_name: name, session_id: target.id, tool_name: 'Bash' }));
    await rename(temporary, join(events, `${target.id}.${suffix}.json`));
  };
  const figures: NotifyFigures = { ours: [], bare: [] };
  try {
    for (let i = 0; i < waits; i += 1) {
      const arrived = new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`bench: notification ${i + 1} of ${waits} never arrived`)), 10_000);
        onReceipt = (id) => {
          if (!id.startsWith(`${target.id}:waiting:`)) return;
          clearTimeout(timer);
          resolve(id);
        };
      });
      await hook('PermissionRequest');
      const id = await arrived;
      const since = Number(id.slice(id.lastIndexOf(':') + 1));
      figures.ours.push(received.get(id)! - changedAt.get(since)!);
      // The same body posted bare, to the same server.
      const body = JSON.stringify({ event: 'waiting', id, session: target.name, state: 'waiting', detail: 'permission: Bash', title: `${target.name} is waiting for you`, message: 'permission: Bash' });
      const bareId = `bare-${i}`;
      const started = performance.now();
      const bareArrived = new Promise<void>((resolve) => (onReceipt = (seen) => seen === bareId && resolve()));
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-bare': bareId }, body });
      await response.body?.cancel();
      await bareArrived;
      figures.bare.push(received.get(bareId)! - started);
      await hook('UserPromptSubmit');
      await engine.waitFor(target.name, (record) => record?.status === 'running', 10_000);
    }
    return figures;
  } finally {
    onReceipt = undefined;
    subscription.dispose();
    notifier.dispose();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}
