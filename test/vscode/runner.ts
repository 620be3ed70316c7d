/**
 * Runs a mocha suite inside a real VS Code extension host: code-server with the extension
 * loaded from the repository (extensionDevelopmentPath) and a compiled test index
 * (extensionTestsPath, exporting run() as for @vscode/test-electron), opened in headless
 * Chromium. The extension host's console comes out on stdout; the exit code is the suite's.
 *
 *   node out/vscode/runner.js [--trust trusted|untrusted] [--workspace DIR] [--tests FILE] [--timeout SECONDS]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { format, parseArgs } from 'node:util';
import type { TrustMode } from './codeServer';
import { repoRoot, Toolchain, toolchain } from './toolchain';
import { Workbench } from './workbench';

export interface ExtensionTestOptions {
  tools?: Toolchain;
  /** The extension's folder (default: the repository). */
  extensionDevelopmentPath?: string;
  /** The compiled test index. */
  extensionTestsPath: string;
  /** The folder VS Code opens (default: a fresh scratch folder with one file). */
  workspace?: string;
  trust?: TrustMode;
  /** Bounds the whole run, start-up and clean-up excepted (default 5 minutes). */
  timeoutMs?: number;
  settings?: Record<string, unknown>;
  /** Added to the extension host's environment. INSTAR_TEST_TRUST is set to the trust mode. */
  extensionEnvironment?: Record<string, string>;
  /** Where the extension host's console and code-server's output go (default: stdout). */
  log?: (line: string) => void;
  /** Keep the scratch folder (user data, logs) even when the run passes. */
  keepScratch?: boolean;
  /** Ends the run early (exit code 130), cleaning up as usual. */
  signal?: AbortSignal;
}

export interface ExtensionTestResult {
  code: number;
  ms: number;
  /** Peak PSS of code-server's and Chromium's processes, in bytes. */
  peakMemory: number;
  scratch: string;
}

/**
 * Workbench and code-server messages of every run that say nothing about the extension or the
 * tests (INSTAR_VSCODE_VERBOSE=1 shows them): the extension host's console and errors stay.
 */
const NOISE = new RegExp(
  [
    '^Ignoring fetching additional builtin extensions',
    '^Updating additional builtin extensions cache',
    '^Resolv(ing|ed) connection token',
    '^Creating a socket',
    '^\\[reconnection-grace-time\\]',
    '^\\[Service Worker\\] registered',
    '^\\[AgentHost:remote\\] Initializing',
    '^\\[AccountPolicyGate\\]',
    '^File not found: .*/vsda/',
    '^Canceled: Canceled',
    '^\\[[\\d:]+\\]\\s*$',
    '^\\[[\\d:]+\\] (\\[AgentHostChannel\\]|Extension host agent started|Started initializing|Completed initializing)',
    '^\\[[-\\dT:.Z]+\\] info ',
  ].join('|'),
);

/** A console message from the workbench: the arguments of one console call (printf style). */
function formatLogArgs(args: unknown): string {
  return Array.isArray(args) ? format(...args) : format(args);
}

export async function runExtensionTests(options: ExtensionTestOptions): Promise<ExtensionTestResult> {
  const started = Date.now();
  const extensionPath = resolve(options.extensionDevelopmentPath ?? repoRoot());
  const entry = JSON.parse(readFileSync(join(extensionPath, 'package.json'), 'utf8')).main as string | undefined;
  if (entry && !existsSync(join(extensionPath, entry)) && !existsSync(join(extensionPath, `${entry}.js`))) {
    throw new Error(`The extension is not built: ${join(extensionPath, entry)} is missing (node scripts/build.mjs)`);
  }
  if (!existsSync(options.extensionTestsPath)) {
    throw new Error(`No test index at ${options.extensionTestsPath} (node scripts/build-vscode-tests.mjs)`);
  }
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const trust = options.trust ?? 'trusted';
  const scratch = mkdtempSync(join(tmpdir(), `instar-vscode-${trust}-`));
  let workspace = options.workspace;
  if (!workspace) {
    workspace = join(scratch, 'workspace');
    mkdirSync(workspace);
    writeFileSync(join(workspace, 'README.md'), '# A scratch workspace for the extension tests\n');
  }

  const verbose = Boolean(process.env.INSTAR_VSCODE_VERBOSE);
  // Once the suite has ended, the workbench's shutdown messages are noise.
  let done = false;
  let settle!: (code: number, why?: string) => void;
  const settled = new Promise<number>((resolvePromise) => {
    settle = (code, why) => {
      if (done) return;
      done = true;
      if (why) log(`[runner] ${why}`);
      resolvePromise(code);
    };
  });
  const timeoutMs = options.timeoutMs ?? 5 * 60_000;
  const timer = setTimeout(() => settle(1, `timed out after ${timeoutMs / 1000} s`), timeoutMs);
  options.signal?.addEventListener('abort', () => settle(130, 'interrupted'), { once: true });

  let workbench: Workbench | undefined;
  let code = 1;
  try {
    workbench = await Workbench.open({
      tools: options.tools ?? toolchain(),
      scratch: join(scratch, 'vscode'),
      trust,
      settings: options.settings,
      log: (line) => (verbose || !NOISE.test(line)) && log(`[code-server] ${line}`),
      folder: resolve(workspace),
      extensionDevelopmentPath: extensionPath,
      extensionTestsPath: resolve(options.extensionTestsPath),
      extensionEnvironment: { INSTAR_TEST_TRUST: trust, ...options.extensionEnvironment },
      beforeLoad: async (page) => {
        // The workbench calls these in smoke-test-driver mode: the extension host's and the
        // workbench's log, then the extension host's exit code once run() has settled.
        await page.exposeFunction('codeAutomationLog', (_level: string, args: unknown) => {
          const line = formatLogArgs(args);
          if (!done && (verbose || !NOISE.test(line))) log(line);
        });
        await page.exposeFunction('codeAutomationExit', (exitCode: number) => settle(exitCode));
        page.on('pageerror', (error) => log(`[browser] page error: ${error.message}`));
        page.on('crash', () => settle(1, 'the page crashed'));
        page.on('close', () => settle(1, 'the page closed before the tests ended'));
      },
    });
    log(`[runner] ${trust} workbench on ${workbench.server.origin}, folder ${workspace}`);
    code = await settled;
  } catch (error) {
    log(`[runner] ${(error as Error).stack ?? String(error)}`);
    code = 1;
  } finally {
    clearTimeout(timer);
  }
  const peakMemory = workbench?.peakMemory() ?? 0;
  try {
    await workbench?.close();
  } catch (error) {
    log(`[runner] clean-up failed: ${(error as Error).message}`);
    code = code || 1;
  }
  if (code === 0 && !options.keepScratch) rmSync(scratch, { recursive: true, force: true });
  else log(`[runner] scratch folder kept (user data and logs): ${scratch}`);
  return { code, ms: Date.now() - started, peakMemory, scratch };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      trust: { type: 'string', default: 'trusted' },
      workspace: { type: 'string' },
      tests: { type: 'string' },
      timeout: { type: 'string', default: '300' },
      'keep-scratch': { type: 'boolean', default: false },
    },
  });
  if (values.trust !== 'trusted' && values.trust !== 'untrusted') throw new Error('--trust is trusted or untrusted');
  const repo = repoRoot();
  // A first signal ends the run cleanly (browser and code-server closed); a second, at once
  // (the exit handler still kills their process groups).
  const interrupt = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (interrupt.signal.aborted) process.exit(130);
      interrupt.abort();
    });
  }
  // The extension's tmux server for this run: never the user's (instar.tmux.socket's default).
  const socket = `instar-vscode-test-${process.pid}`;
  const result = await runExtensionTests({
    extensionTestsPath: values.tests ?? join(repo, 'out', 'vscode', 'suite', 'index.js'),
    workspace: values.workspace,
    trust: values.trust,
    timeoutMs: Number(values.timeout) * 1000,
    settings: { 'instar.tmux.socket': socket },
    extensionEnvironment: { INSTAR_TEST_TMUX_SOCKET: socket },
    keepScratch: values['keep-scratch'],
    signal: interrupt.signal,
  });
  try {
    execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore', timeout: 5000 });
  } catch {
    // No server was started.
  }
  const mb = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MiB`;
  console.log(`[runner] ${values.trust} run: exit ${result.code} in ${(result.ms / 1000).toFixed(1)} s, peak memory ${mb(result.peakMemory)} (code-server + Chromium, PSS)`);
  process.exitCode = result.code;
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
