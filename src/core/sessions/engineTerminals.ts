/**
 * The engine's terminal side, as hosts see it (`engine.terminals`): a binding that a host builds
 * its terminal on without knowing tmux, and the shell commands a person can run in one of their
 * own (attach to a session, resume its conversation).
 */
import { kindFacts } from '../agent/agentKinds';
import { TerminalBinding } from '../terminal/terminalBinding';
import type { TmuxServers } from '../tmux/tmuxServers';
import type { CommandRunner } from '../util/commandRunner';
import type { Logger } from '../util/host';
import { shellQuote } from '../util/shellQuote';
import type { SessionStore } from './sessionStore';

export class EngineTerminals {
  constructor(
    private readonly store: SessionStore,
    private readonly servers: TmuxServers,
    private readonly tools: CommandRunner,
    private readonly logger: Logger,
  ) {}

  /** The shell command that attaches a terminal to a session. */
  attachCommand(name: string): string {
    const record = this.store.require(name);
    return this.servers.client(record.tmuxSocket).attachCommand(record.tmuxSession);
  }

  /** The shell command that resumes a session's conversation with its agent CLI. */
  resumeCommand(name: string): string | undefined {
    const record = this.store.require(name);
    if (!record.claudeSessionId || !kindFacts(record.agentKind).hooked) return undefined;
    return `cd ${shellQuote(record.cwd)} && ${kindFacts(record.agentKind).resumeCommand(shellQuote(record.agentCommand), record.claudeSessionId)}`;
  }

  /** A binding to a session's terminal (not started: subscribe to its events, then start it). */
  binding(name: string, size: { cols: number; rows: number }): TerminalBinding {
    const record = this.store.require(name);
    const client = this.servers.client(record.tmuxSocket);
    return new TerminalBinding({
      binary: client.binary,
      socketArgs: client.socketArgs(),
      session: record.tmuxSession,
      cols: size.cols,
      rows: size.rows,
      bracketedPaste: kindFacts(record.agentKind).bracketedPaste,
      logger: this.logger,
      runner: this.tools,
    });
  }
}
