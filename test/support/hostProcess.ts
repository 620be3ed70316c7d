/** Starts and drives an engine host in a process of its own (engineHost.child.ts). */
import { ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import type { HostConfig, HostMessage, HostRequest } from './engineHost.child';
import { REPO } from './engineHarness';

type Request = HostRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

export class HostProcess {
  private next = 1;
  private readonly waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  readonly logs: string[] = [];
  leadingAt: number | undefined;
  /** When it last gave the lead up (handed to a keeper). */
  lostAt: number | undefined;
  readonly exited: Promise<NodeJS.Signals | number | null>;

  private constructor(
    readonly child: ChildProcess,
    readonly config: HostConfig,
  ) {
    child.on('message', (message: HostMessage) => {
      if (message.kind === 'log') this.logs.push(message.line);
      if (message.kind === 'leading') this.leadingAt = message.at;
      if (message.kind === 'lost') this.lostAt = message.at;
      if (message.kind === 'reply') {
        const waiter = this.waiting.get(message.id);
        this.waiting.delete(message.id);
        if (message.error !== undefined) waiter?.reject(new Error(message.error));
        else waiter?.resolve(message.value);
      }
    });
    this.exited = new Promise((resolve) =>
      child.on('exit', (code, signal) => {
        for (const waiter of this.waiting.values()) waiter.reject(new Error(`${config.label} exited (${signal ?? code})`));
        this.waiting.clear();
        resolve(signal ?? code);
      }),
    );
  }

  /** Starts a host; resolves once its engine runs (with whether it leads). */
  static start(config: HostConfig): Promise<{ host: HostProcess; leading: boolean }> {
    const child = fork(join(REPO, 'out', 'test', 'support', 'engineHost.child.js'), [], {
      env: { ...process.env, INSTAR_HOST_CONFIG: JSON.stringify(config) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const host = new HostProcess(child, config);
    return new Promise((resolve, reject) => {
      const onMessage = (message: HostMessage) => {
        if (message.kind !== 'ready') return;
        child.off('message', onMessage);
        resolve({ host, leading: message.leading });
      };
      child.on('message', onMessage);
      void host.exited.then((how) => reject(new Error(`${config.label} exited before it was ready (${String(how)}): ${host.logs.join('\n')}`)));
    });
  }

  request<T>(request: Request): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.child.send({ ...request, id });
    });
  }

  /** Ends it as a crash does. */
  async kill9(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }
}
