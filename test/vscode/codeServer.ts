/**
 * A real VS Code for the tests: code-server (VS Code 1.139 in the browser, from npm) on
 * loopback, in its own process group, with scratch configuration, user data and extension
 * folders. `stop()` ends the whole group, bounded in time.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { endGroup, ownGroup } from './processGroup';
import type { Toolchain } from './toolchain';

export type TrustMode = 'trusted' | 'untrusted';

/** User settings for a quiet workbench that looks the same on every run. */
export const QUIET_SETTINGS: Record<string, unknown> = {
  // Terminal text in the DOM (.xterm-rows), not on a canvas.
  'terminal.integrated.gpuAcceleration': 'off',
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'workbench.enableExperiments': false,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.disableAIFeatures': true,
  'chat.commandCenter.enabled': false,
  'git.enabled': false,
  'git.openRepositoryInParentFolders': 'never',
  'files.autoSave': 'off',
  'editor.minimap.enabled': false,
  'window.commandCenter': false,
  // With trust on, the folder stays untrusted without a modal question at start.
  'security.workspace.trust.startupPrompt': 'never',
  'security.workspace.trust.banner': 'never',
};

export interface CodeServerOptions {
  tools: Toolchain;
  /** An empty scratch folder: configuration, user data and extensions go in it. */
  scratch: string;
  /** trusted: --disable-workspace-trust; untrusted: trust on, and no folder is trusted. */
  trust?: TrustMode;
  /** Added to QUIET_SETTINGS (a value of null removes a quiet setting). */
  settings?: Record<string, unknown>;
  /** Added to the environment of code-server, and so of the extension host. */
  env?: Record<string, string>;
  /** Each line code-server writes. */
  log?: (line: string) => void;
  startTimeoutMs?: number;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Lines of a stream, as they complete. */
function forwardLines(stream: NodeJS.ReadableStream | null, each: (line: string) => void): void {
  let buffered = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) each(line);
  });
  stream?.on('end', () => buffered && each(buffered));
}

export class CodeServer {
  readonly origin: string;
  private stopping: Promise<void> | undefined;

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    readonly userDataDir: string,
  ) {
    this.origin = `http://127.0.0.1:${port}`;
  }

  /** The process group: code-server and everything it starts. */
  get pgid(): number {
    return this.child.pid!;
  }

  /** A path on the server's file system as the workbench names it (its remote authority). */
  remoteUri(path: string): string {
    return `vscode-remote://127.0.0.1:${this.port}${path}`;
  }

  /** The workbench on `folder`, with an optional payload (extension development, tests). */
  workbenchUrl(folder: string, payload?: [string, string][]): string {
    const url = new URL(this.origin);
    url.searchParams.set('folder', folder);
    if (payload) url.searchParams.set('payload', JSON.stringify(payload));
    return url.toString();
  }

  static async start(options: CodeServerOptions): Promise<CodeServer> {
    const log = options.log ?? (() => {});
    const dirs = {
      config: join(options.scratch, 'xdg-config'),
      data: join(options.scratch, 'xdg-data'),
      cache: join(options.scratch, 'xdg-cache'),
      state: join(options.scratch, 'xdg-state'),
      // VS Code's IPC sockets (vscode-ipc-*.sock) go here rather than in /tmp, and go with it.
      runtime: join(options.scratch, 'run'),
      userData: join(options.scratch, 'user-data'),
      extensions: join(options.scratch, 'extensions'),
    };
    for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true, mode: 0o700 });
    const settings: Record<string, unknown> = { ...QUIET_SETTINGS, ...options.settings };
    for (const [key, value] of Object.entries(settings)) if (value === null) delete settings[key];
    mkdirSync(join(dirs.userData, 'User'), { recursive: true });
    writeFileSync(join(dirs.userData, 'User', 'settings.json'), JSON.stringify(settings, null, 2));

    const env: Record<string, string | undefined> = { ...process.env };
    // Run from a VS Code terminal, these would point the server's terminals at that VS Code.
    for (const key of Object.keys(env)) if (key.startsWith('VSCODE_') || key === 'ELECTRON_RUN_AS_NODE') delete env[key];
    Object.assign(env, {
      XDG_CONFIG_HOME: dirs.config,
      XDG_DATA_HOME: dirs.data,
      XDG_CACHE_HOME: dirs.cache,
      XDG_STATE_HOME: dirs.state,
      XDG_RUNTIME_DIR: dirs.runtime,
      // No extension gallery (code-server's is open-vsx.org): nothing to query beyond loopback.
      EXTENSIONS_GALLERY: '{"serviceUrl":""}',
      ...options.env,
    });

    // A port that is free now may be taken before code-server binds it: then try another.
    let lastError: Error | undefined;
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await freePort();
      const args = [
        options.tools.codeServer,
        '--bind-addr', `127.0.0.1:${port}`,
        '--auth', 'none',
        '--user-data-dir', dirs.userData,
        '--extensions-dir', dirs.extensions,
        '--disable-telemetry',
        '--disable-update-check',
        '--disable-getting-started-override',
        '--disable-proxy',
        '--ignore-last-opened',
        // Without it the workbench ignores the `payload` URL parameter (extension tests).
        '--vscode-option', 'enable-smoke-test-driver',
        ...((options.trust ?? 'trusted') === 'trusted' ? ['--disable-workspace-trust'] : []),
      ];
      const child = spawn(options.tools.node24, args, { cwd: options.scratch, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      ownGroup(child.pid!);
      const recent: string[] = [];
      const onLine = (line: string) => {
        if (!line.trim()) return;
        recent.push(line);
        if (recent.length > 30) recent.shift();
        log(line);
      };
      forwardLines(child.stdout, onLine);
      forwardLines(child.stderr, onLine);
      const server = new CodeServer(child, port, dirs.userData);
      try {
        await server.waitHealthy(options.startTimeoutMs ?? 60_000);
        return server;
      } catch (error) {
        await server.stop();
        lastError = new Error(`${(error as Error).message}\n${recent.join('\n')}`);
        if (!recent.some((line) => line.includes('EADDRINUSE'))) break;
      }
    }
    throw lastError!;
  }

  /** Polls GET /healthz until it answers (about a second after start). */
  private async waitHealthy(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let exited: string | undefined;
    this.child.once('exit', (code, signal) => (exited ??= `code-server exited (${signal ?? code}) before answering /healthz`));
    this.child.once('error', (error) => (exited ??= `code-server did not start: ${error.message}`));
    for (;;) {
      if (exited) throw new Error(exited);
      try {
        const response = await fetch(`${this.origin}/healthz`, { signal: AbortSignal.timeout(2000) });
        if (response.ok) return;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) throw new Error(`code-server did not answer ${this.origin}/healthz within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Ends code-server and every process it started; safe to call more than once. */
  stop(): Promise<void> {
    this.stopping ??= endGroup(this.pgid);
    return this.stopping;
  }
}
