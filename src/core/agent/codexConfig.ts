/**
 * What a Codex session is started with, per session and without touching the user's own
 * `~/.codex` (Codex takes `-c key=value` overrides as a layer of their own, "session flags"):
 * our hooks for the events that tell its state, each marked trusted (Codex asks the user to
 * review hooks it has not seen, and keeps their trust by a hash of each), the session's folder
 * trusted (else a first-run dialog asks), and no update check.
 *
 * The trust hash is Codex's own: asked of the installed `codex app-server` (`hooks/list` answers
 * each hook's key and current hash), once per binary, version and hook command. In the same
 * conversation `model/list` says which models have a successor: a session of one of those would
 * open on Codex's "Meet <the successor>: Try new model / Use existing model" question, so each
 * migration is marked seen (`notice.model_migrations`) and the model asked for is the one used.
 */
import { childEnvironment } from '../util/environment';
import { MCP_SERVER_NAME, MCP_SERVER_VARIABLES, MCP_TOOL_TIMEOUT_SECONDS, type McpServerCommand } from './instarMcpServer';

/** What a Codex session's model is when none of Codex's was asked for: Codex's own default (no -m). */
export const CODEX_DEFAULT_MODEL = 'default';

/** The Codex hook events the engine listens to (their names and payloads are Claude Code's). */
export const CODEX_HOOK_EVENTS = ['SessionStart', 'UserPromptSubmit', 'PreToolUse', 'PermissionRequest', 'PostToolUse', 'Stop'];

/** A TOML basic string. */
function tomlString(text: string): string {
  return JSON.stringify(text);
}

/** `-c` overrides that give Codex our hooks (the same command for each event). */
export function codexHookOverrides(command: string, events: readonly string[] = CODEX_HOOK_EVENTS): string[] {
  return events.flatMap((event) => ['-c', `hooks.${event}=[{hooks=[{type="command",command=${tomlString(command)},timeout=10}]}]`]);
}

/** `-c` overrides that mark hooks trusted, from `hooks/list`'s keys and hashes. */
export function codexTrustOverrides(trusted: readonly { key: string; hash: string }[]): string[] {
  if (trusted.length === 0) return [];
  return ['-c', `hooks.state={${trusted.map(({ key, hash }) => `${tomlString(key)}={trusted_hash=${tomlString(hash)}}`).join(',')}}`];
}

/** `-c` overrides that keep first-run questions away from a session started in `cwd`. */
export function codexSessionOverrides(cwd: string): string[] {
  // The screen reader check writes its result to the user's config.toml once done: said done, it writes nothing.
  return ['-c', `projects.${tomlString(cwd)}.trust_level="trusted"`, '-c', 'check_for_update_on_startup=false', '-c', 'tui.screen_reader_detection_done=true'];
}

/**
 * `-c` overrides that give a session Instar's MCP server, as one inline table beside the user's
 * own servers from `~/.codex/config.toml`; Codex hands an MCP server only a few variables of its
 * own unless they are named, and gives a tool a minute unless told (a wait may take an hour).
 */
export function codexMcpOverrides(server: McpServerCommand): string[] {
  const list = (items: readonly string[]) => `[${items.map(tomlString).join(',')}]`;
  return ['-c', `mcp_servers.${MCP_SERVER_NAME}={command=${tomlString(server.command)},args=${list(server.args)},env_vars=${list(MCP_SERVER_VARIABLES)},tool_timeout_sec=${MCP_TOOL_TIMEOUT_SECONDS}}`];
}

/** `-c` overrides that mark each model migration seen: `upgrades` maps a model to its successor. */
export function codexMigrationOverrides(upgrades: Readonly<Record<string, string>>): string[] {
  const entries = Object.entries(upgrades);
  // One inline table: a key with dots ("gpt-5.6-sol") in a dotted -c path would be split.
  return entries.length === 0 ? [] : ['-c', `notice.model_migrations={${entries.map(([from, to]) => `${tomlString(from)}=${tomlString(to)}`).join(',')}}`];
}

/** How long the model list is waited for once the hooks are listed. */
const MODELS_GRACE_MS = 3000;

interface ListedHook {
  key?: string;
  currentHash?: string;
  source?: string;
}

interface ListedModel {
  model?: string;
  upgrade?: string | null;
}

/** What the installed Codex says of itself: its hooks' trust hashes, and each model's successor. */
export interface CodexServerFacts {
  trusted: { key: string; hash: string }[];
  upgrades: Record<string, string>;
}

/**
 * Asks `codex app-server` which hooks these overrides make and their hashes, and which models
 * have a successor: JSON-RPC lines on its stdin, kept open until it answered both (closed early,
 * it exits unanswered). The hooks are needed; the models are not (none known: no migration marked).
 */
export async function askCodexServer(binary: string, overrides: readonly string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs = 20_000): Promise<CodexServerFacts> {
  // Loaded on first use, as ExecaRunner does: off the way to activation.
  const { execa } = await import('execa');
  return new Promise((resolve, reject) => {
    const child = execa(binary, ['app-server', ...overrides], { cwd, env: { ...childEnvironment(), ...env }, extendEnv: false, stdin: 'pipe', stdout: 'pipe', stderr: 'ignore', reject: false, windowsHide: true });
    let buffered = '';
    let settled = false;
    let trusted: { key: string; hash: string }[] | undefined;
    let upgrades: Record<string, string> | undefined;
    // The models may be fetched from OpenAI first: once the hooks are known, they are waited for a little only.
    let modelsTimer: NodeJS.Timeout | undefined;
    const finish = (error: Error | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(modelsTimer);
      child.stdin?.end();
      child.kill();
      if (error && !trusted) reject(error);
      else resolve({ trusted: trusted ?? [], upgrades: upgrades ?? {} });
    };
    const answered = () => {
      if (trusted && upgrades) finish(undefined);
      else if (trusted && !modelsTimer) modelsTimer = setTimeout(() => finish(undefined), MODELS_GRACE_MS);
    };
    const timer = setTimeout(() => finish(new Error(`codex app-server did not list its hooks within ${timeoutMs / 1000} s`)), timeoutMs);
    child.on('error', (error) => finish(error));
    child.on('exit', (code) => finish(new Error(`codex app-server ended (${code ?? 'signal'}) before it listed its hooks`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 1);
        let message: { id?: number; result?: { data?: unknown[] }; error?: { message?: string } };
        try {
          message = JSON.parse(line) as typeof message;
        } catch {
          continue;
        }
        if (message.id === 2) {
          if (message.error) return finish(new Error(`codex app-server: ${message.error.message ?? 'hooks/list failed'}`));
          const hooks = ((message.result?.data ?? []) as { hooks?: ListedHook[] }[]).flatMap((entry) => entry.hooks ?? []);
          trusted = hooks.filter((hook) => hook.source === 'sessionFlags' && hook.key && hook.currentHash).map((hook) => ({ key: hook.key!, hash: hook.currentHash! }));
        } else if (message.id === 3) {
          const models = message.error ? [] : ((message.result?.data ?? []) as ListedModel[]);
          upgrades = Object.fromEntries(models.filter((entry) => typeof entry.model === 'string' && typeof entry.upgrade === 'string').map((entry) => [entry.model!, entry.upgrade!]));
        }
        answered();
      }
    });
    const send = (message: Record<string, unknown>) => child.stdin?.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);
    send({ id: 1, method: 'initialize', params: { clientInfo: { name: 'instar-sessions', version: '0' } } });
    send({ method: 'initialized' });
    send({ id: 2, method: 'hooks/list', params: { cwd } });
    send({ id: 3, method: 'model/list', params: {} });
  });
}

/** What the installed Codex says of itself, asked once per binary (and its file's stamp) and hook command. */
export class CodexServer {
  private readonly known = new Map<string, Promise<CodexServerFacts>>();

  of(binary: string, stamp: string, overrides: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Promise<CodexServerFacts> {
    const id = `${binary}\0${stamp}\0${overrides.join('\0')}`;
    let facts = this.known.get(id);
    if (!facts) {
      facts = askCodexServer(binary, overrides, cwd, env);
      this.known.set(id, facts);
      facts.catch(() => this.known.delete(id));
    }
    return facts;
  }
}
