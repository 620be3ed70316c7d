/**
 * A real VS Code for the tests: code-server (from npm) on loopback, driven by headless
 * Chromium through playwright-core. Everything it starts is ended with its process group.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { format } from 'node:util';
import { Browser, chromium, Page } from 'playwright-core';
import { freePort } from '../support/freePort';

/** Workbench chatter unrelated to the tests (it has no network and no accounts here). */
const WORKBENCH_NOISE = /AgentHost|ChatModelSelection|AccountPolicyGate|open-vsx\.org|socket \(renderer|connection token|reconnection-grace-time|Service Worker|builtin extensions cache|Long running operations during shutdown|Unable to read file .*\.vscode\/|^\s+at /;

export interface Toolchain {
  node24: string;
  codeServer: string;
  chromium: string;
}

/** Installs (once) and locates code-server, its Node 24 and Chromium. */
export function toolchain(repo: string): Toolchain {
  const output = execFileSync('bash', [join(repo, 'scripts', 'vscode-test-env.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 30 * 60_000 });
  const values = Object.fromEntries(output.trim().split('\n').map((line) => line.split('=', 2) as [string, string]));
  return { node24: values.NODE24, codeServer: values.CODE_SERVER, chromium: values.CHROMIUM };
}

export interface CodeServerOptions {
  tools: Toolchain;
  root: string;
  /** Leave workspace trust on (the folder starts untrusted). */
  trust: boolean;
  settings: Record<string, unknown>;
  env: Record<string, string>;
  log: (line: string) => void;
  /** The user-data folder's name under root ("user-data" unless given): another name is a fresh VS Code profile. */
  profile?: string;
}

export class CodeServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(options: CodeServerOptions): Promise<CodeServer> {
    const port = await freePort();
    const userData = join(options.root, options.profile ?? 'user-data');
    await mkdir(join(options.root, 'runtime'), { recursive: true, mode: 0o700 });
    // Settings scoped "machine" or "machine-overridable" come from the remote's Machine settings.
    for (const scope of ['User', 'Machine']) {
      await mkdir(join(userData, scope), { recursive: true });
      await writeFile(join(userData, scope, 'settings.json'), JSON.stringify(options.settings, null, 2));
    }
    const args = [
      options.tools.codeServer,
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--auth',
      'none',
      '--user-data-dir',
      userData,
      '--extensions-dir',
      join(options.root, 'extensions'),
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-getting-started-override',
      '--vscode-option',
      'enable-smoke-test-driver',
      ...(options.trust ? [] : ['--disable-workspace-trust']),
    ];
    const child = spawn(options.tools.node24, args, {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        ...options.env,
        XDG_CONFIG_HOME: join(options.root, 'xdg-config'),
        XDG_DATA_HOME: join(options.root, 'xdg-data'),
        // Where windows note their workspaces' state folders (machineStateRoot), for the keeper started by hand.
        XDG_STATE_HOME: join(options.root, 'xdg-state'),
        // VS Code's IPC sockets go to the scratch folder, not /tmp; no extension gallery to ask.
        XDG_RUNTIME_DIR: join(options.root, 'runtime'),
        EXTENSIONS_GALLERY: JSON.stringify({ serviceUrl: '' }),
      },
    });
    child.stdout?.on('data', (chunk: Buffer) => options.log(`[code-server] ${chunk.toString().trimEnd()}`));
    child.stderr?.on('data', (chunk: Buffer) => options.log(`[code-server] ${chunk.toString().trimEnd()}`));
    const server = new CodeServer(child, port);
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        const response = await fetch(`${server.url}/healthz`);
        if (response.ok) return server;
      } catch {
        // Not up yet.
      }
      if (child.exitCode !== null || Date.now() > deadline) {
        server.stop();
        throw new Error(`code-server did not start (exit ${child.exitCode})`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** The workbench URL for a folder, with an optional test payload. */
  workbenchUrl(folder: string, payload?: [string, string][]): string {
    const query = new URLSearchParams({ folder });
    if (payload) query.set('payload', JSON.stringify(payload));
    return `${this.url}/?${query.toString()}`;
  }

  /** The remote URI code-server uses for a path on this machine. */
  remoteUri(path: string): string {
    return `vscode-remote://127.0.0.1:${this.port}${path}`;
  }

  stop(): void {
    if (this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

export async function launchBrowser(tools: Toolchain): Promise<Browser> {
  return chromium.launch({
    executablePath: tools.chromium,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      '--disable-dev-shm-usage',
    ],
  });
}

/**
 * Runs a mocha suite in the extension host (VS Code's smoke-test driver mechanism) and resolves
 * with its exit code; the extension host's console goes to `log`.
 */
export async function runExtensionTests(page: Page, server: CodeServer, options: { repo: string; folder: string; testsPath: string; log: (line: string) => void; timeoutMs: number }): Promise<number> {
  let resolveExit: (code: number) => void = () => undefined;
  const exited = new Promise<number>((resolve) => (resolveExit = resolve));
  await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => {
    const line = format(...(Array.isArray(args) ? args : [args]));
    if (!WORKBENCH_NOISE.test(line)) options.log(`${type === 'error' ? '[host:error] ' : ''}${line}`);
  });
  await page.exposeFunction('codeAutomationExit', (code: number) => resolveExit(code));
  await page.goto(
    server.workbenchUrl(options.folder, [
      ['extensionDevelopmentPath', server.remoteUri(options.repo)],
      ['extensionTestsPath', server.remoteUri(options.testsPath)],
      ['skipWelcome', 'true'],
    ]),
  );
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<number>((resolve) => {
    timer = setTimeout(() => {
      options.log(`The extension tests did not finish within ${options.timeoutMs} ms.`);
      resolve(124);
    }, options.timeoutMs);
  });
  try {
    return await Promise.race([exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Every file under `dir` whose name ends with `suffix`. */
async function findFiles(dir: string, suffix: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await findFiles(path, suffix)));
    else if (entry.name.endsWith(suffix)) found.push(path);
  }
  return found;
}

/** The extension's log as written so far, by every window of the code-server whose folder is `root`. */
export async function extensionLog(root: string): Promise<string> {
  const texts = await Promise.all((await findFiles(root, 'Instar Sessions.log')).map((file) => readFile(file, 'utf8')));
  return texts.join('\n');
}
