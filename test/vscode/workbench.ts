/**
 * A workbench in headless Debian Chromium (through playwright-core, never a downloaded
 * browser) on a code-server of its own. `close()` ends the browser and code-server's process
 * group, bounded in time, whatever state they are in.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BrowserContext, chromium, Page } from 'playwright-core';
import { CodeServer, CodeServerOptions } from './codeServer';
import { endGroup, groupsWhere, memorySampler, ownGroup } from './processGroup';

/** Flags for a headless Chromium, as root, that makes no request beyond loopback. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-domain-reliability',
  '--disable-client-side-phishing-detection',
  '--disable-breakpad',
  '--no-first-run',
  '--no-pings',
  '--disable-quic',
  '--dns-prefetch-disable',
  '--disable-features=Translate,OptimizationHints,MediaRouter,InterestFeedContentSuggestions,CertificateTransparencyComponentUpdater',
  // Any host name but the loopback address resolves to nothing.
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
];

export interface WorkbenchOptions extends CodeServerOptions {
  /** The workspace folder (an absolute path on this machine). */
  folder: string;
  /** extensionDevelopmentPath: the extension to load from source (an absolute folder). */
  extensionDevelopmentPath?: string;
  /** extensionTestsPath: a compiled test index exporting run() (needs extensionDevelopmentPath). */
  extensionTestsPath?: string;
  /** The extension host's environment additions (payload extensionEnvironment). */
  extensionEnvironment?: Record<string, string>;
  /** Called after the page exists and before the workbench loads (exposeFunction and such). */
  beforeLoad?: (page: Page) => Promise<void>;
  viewport?: { width: number; height: number };
}

export class Workbench {
  private closing: Promise<void> | undefined;
  private readonly sampler: { peak(): number; stop(): void };
  private browserGroupsFound: number[] | undefined;

  private constructor(
    readonly server: CodeServer,
    readonly context: BrowserContext,
    readonly page: Page,
    private readonly profileDir: string,
  ) {
    this.sampler = memorySampler(() => [server.pgid, ...this.browserGroups()]);
  }

  /** Starts code-server and Chromium and opens the workbench on options.folder. */
  static async open(options: WorkbenchOptions): Promise<Workbench> {
    const server = await CodeServer.start(options);
    const profileDir = join(options.scratch, 'chromium-profile');
    mkdirSync(profileDir, { recursive: true });
    let context: BrowserContext;
    try {
      context = await chromium.launchPersistentContext(profileDir, {
        executablePath: options.tools.chromium,
        headless: true,
        args: CHROMIUM_ARGS,
        viewport: options.viewport ?? { width: 1280, height: 800 },
        timeout: 60_000,
        // The caller ends the run on a signal, through close().
        handleSIGINT: false,
        handleSIGTERM: false,
        handleSIGHUP: false,
      });
    } catch (error) {
      await server.stop();
      throw error;
    }
    const page = context.pages()[0] ?? (await context.newPage());
    const workbench = new Workbench(server, context, page, profileDir);
    for (const pgid of workbench.browserGroups()) ownGroup(pgid);
    try {
      await options.beforeLoad?.(page);
      const payload: [string, string][] = [['skipWelcome', 'true']];
      if (options.extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', server.remoteUri(options.extensionDevelopmentPath)]);
      if (options.extensionTestsPath) payload.push(['extensionTestsPath', server.remoteUri(options.extensionTestsPath)]);
      if (options.extensionEnvironment) payload.push(['extensionEnvironment', JSON.stringify(options.extensionEnvironment)]);
      await page.goto(server.workbenchUrl(options.folder, payload), { waitUntil: 'domcontentloaded', timeout: 60_000 });
    } catch (error) {
      await workbench.close();
      throw error;
    }
    return workbench;
  }

  /** Chromium's process groups (Playwright starts it in a group of its own), found by its profile folder. */
  private browserGroups(): number[] {
    if (!this.browserGroupsFound?.length) {
      this.browserGroupsFound = groupsWhere((cmdline) => cmdline.includes(`--user-data-dir=${this.profileDir}`));
    }
    return this.browserGroupsFound;
  }

  /** Peak memory (PSS) of code-server and Chromium so far, in bytes. */
  peakMemory(): number {
    return this.sampler.peak();
  }

  /** Ends Chromium and code-server; safe to call more than once; bounded. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.sampler.stop();
      const browserGroups = this.browserGroups();
      const errors: unknown[] = [];
      await Promise.race([this.context.close(), new Promise((resolve) => setTimeout(resolve, 10_000).unref())]).catch((error) => errors.push(error));
      for (const pgid of browserGroups) await endGroup(pgid, 2000).catch((error) => errors.push(error));
      await this.server.stop().catch((error) => errors.push(error));
      if (errors.length) throw errors[0];
    })();
    return this.closing;
  }
}
