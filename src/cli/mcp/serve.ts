/**
 * dist/mcp.js: `instar mcp` serving over stdio. A bundle of its own, loaded only by that
 * command: the SDK never slows the `instar` calls agents make all the time.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { ApiClient } from '../apiClient';
import { createInstarMcpServer } from '../../core/mcp/instarMcp';

/** Serves until standard input closes; what goes wrong is said on stderr (stdout is the protocol's). */
export async function serveMcp(env: NodeJS.ProcessEnv, cwd: string): Promise<number> {
  const server = createInstarMcpServer(new ApiClient(env, cwd), packageVersion());
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    server.server.onclose = () => resolve();
    process.stdin.on('end', () => resolve());
  });
  await server.connect(transport);
  await closed;
  await server.close().catch(() => undefined);
  return 0;
}

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version?: string }).version ?? '0';
  } catch {
    return '0';
  }
}

// VS Code's chat tools load this bundle too, for the same server in the extension host.
export { connectInProcess } from '../../core/mcp/inProcess';
