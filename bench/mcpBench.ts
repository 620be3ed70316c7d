/**
 * What steering through `instar mcp` costs: a spawn through its tool against the same spawn
 * through the `instar` command (as an agent's shell runs it), and a state change until the wait
 * tool returns against the API's event stream for the same change. The server is dist/cli.js
 * mcp as shipped, driven over stdio by the SDK's client; the agents are the quiet stand-in, whose
 * hook events the bench writes as Claude Code does.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { serverSentEvents } from '../src/cli/serverSentEvents';
import { ApiServer } from '../src/core/http/apiServer';
import { generateToken } from '../src/core/http/instarConfig';
import type { SessionStatus } from '../src/core/model/sessionRecord';
import { SessionEngine } from '../src/core/sessions/sessionEngine';
import { delay } from '../src/core/util/delay';
import { silentLogger } from '../src/core/util/host';
import { MemoryStorage } from '../test/support/storage';
import { cleanupSocket, privateSocket } from '../test/support/tmuxServer';
import { writeHookEvent, writeQuietAgent } from '../test/support/quietAgent';
import { waitFor, waitForStatus } from '../test/support/wait';

export interface McpSizes {
  /** Spawns each way, in alternating order. */
  rounds: number;
  /** Hook events, alternating running and idle, each awaited by the wait tool and an event stream. */
  events: number;
}

export interface McpFigures {
  /** ms until the spawn answered: the MCP tool's call, and `instar spawn` (a process, as an agent's shell starts it). */
  spawnMcp: number[];
  spawnCli: number[];
  /** ms from the event file's rename: the wait tool returned, and the event stream had the change. */
  wait: number[];
  stream: number[];
}

const now = () => performance.timeOrigin + performance.now();

export async function measureMcp(repo: string, sizes: McpSizes, log: (line: string) => void = () => undefined): Promise<McpFigures> {
  const root = await mkdtemp(join(tmpdir(), 'instar-mcpbench-'));
  const socket = privateSocket('mcpbench');
  const agent = await writeQuietAgent(join(root, 'bin'));
  const cwd = join(root, 'work');
  await mkdir(cwd);
  const stateDir = join(root, 'state');
  const engine = await SessionEngine.create({ stateDir, storage: new MemoryStorage(), socket, agentCommand: agent, monitorIntervalMs: 1000 });
  const token = generateToken();
  const server = new ApiServer(engine, { port: 0, token, cwd, version: 'bench', logger: silentLogger, requestsPerMinute: 100_000 });
  const base = `http://127.0.0.1:${await server.start()}`;
  const cli = join(repo, 'dist', 'cli.js');
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, INSTAR_SERVER_URL: base, INSTAR_AUTH_TOKEN: token })) if (value !== undefined) env[key] = value;
  const client = new Client({ name: 'instar-bench', version: '0' });
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [cli, 'mcp'], env, cwd }));
  const stream = new AbortController();
  const figures: McpFigures = { spawnMcp: [], spawnCli: [], wait: [], stream: [] };
  try {
    // ---- A spawn through the tool, and through the command.
    const viaTool = async (name: string) => {
      const started = performance.now();
      const answer = await client.callTool({ name: 'spawn', arguments: { name, prompt: '' } });
      if (answer.isError) throw new Error(`bench: the spawn tool refused: ${JSON.stringify(answer.content)}`);
      figures.spawnMcp.push(performance.now() - started);
    };
    const viaCommand = async (name: string) => {
      const started = performance.now();
      await new Promise<void>((resolve, reject) => execFile(process.execPath, [cli, 'spawn', name, ''], { env, cwd }, (error) => (error ? reject(error) : resolve())));
      figures.spawnCli.push(performance.now() - started);
    };
    for (let round = 0; round < sizes.rounds; round += 1) {
      log(`mcp: spawn through the tool and the command, round ${round + 1} of ${sizes.rounds}…`);
      // Alternating order, so that neither side always runs on a warmer (or busier) server.
      if (round % 2 === 0) {
        await viaTool(`tool-${round}`);
        await viaCommand(`cmd-${round}`);
      } else {
        await viaCommand(`cmd-${round}`);
        await viaTool(`tool-${round}`);
      }
      for (const name of [`tool-${round}`, `cmd-${round}`]) {
        await engine.kill(name).catch(() => undefined);
        await engine.remove(name).catch(() => undefined);
      }
    }

    // ---- A state change → the wait tool returns, and the event stream has it.
    log('mcp: state change → wait tool and event stream…');
    const headers = { authorization: `Bearer ${token}` };
    await client.callTool({ name: 'spawn', arguments: { name: 'mcp-target', prompt: '' } });
    const { record } = await waitForStatus(engine, 'mcp-target', 'idle', 30_000);
    const seen = new Map<string, number>();
    const response = await fetch(`${base}/events?name=mcp-target`, { headers, signal: stream.signal });
    void (async () => {
      try {
        for await (const event of serverSentEvents(response.body as unknown as AsyncIterable<Uint8Array>)) {
          const data = event.data as { status: string; turns: number };
          if (event.event === 'session') seen.set(`${data.status}:${data.turns}`, now());
        }
      } catch {
        // Closed at the end.
      }
    })();
    for (let i = 0; i < sizes.events; i += 1) {
      const [event, status]: [string, SessionStatus] = i % 2 === 0 ? ['UserPromptSubmit', 'running'] : ['Stop', 'idle'];
      const turns = Math.floor((i + 1) / 2);
      const since = new Date().toISOString();
      const waited = client.callTool({ name: 'wait', arguments: { name: 'mcp-target', until: [status], since, timeoutSeconds: 60 } }).then((answer) => {
        const at = now();
        if (answer.isError) throw new Error(`bench: the wait tool refused: ${JSON.stringify(answer.content)}`);
        return at;
      });
      // The wait is registered on the server before the event is written.
      await delay(30);
      const writtenAt = await writeHookEvent(join(stateDir, 'events'), record.id, { hook_event_name: event });
      const waitAt = await waited;
      const streamAt = await waitFor(`the event stream's ${status}`, () => seen.get(`${status}:${turns}`), 10_000, 1);
      figures.wait.push(waitAt - writtenAt);
      figures.stream.push(streamAt - writtenAt);
      await delay(20 + Math.random() * 30);
    }
    return figures;
  } finally {
    stream.abort();
    await client.close().catch(() => undefined);
    await server.stop();
    engine.dispose();
    cleanupSocket(socket);
    await rm(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
}
