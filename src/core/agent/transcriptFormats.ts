/**
 * Which reader a session's transcript takes: Claude Code's JSON lines, Codex's rollout file or
 * Gemini CLI's chat log. Each is read line by line from where the last read stopped; the Codex and
 * Gemini readers keep a little state between lines (the turn's model, the messages already
 * given), so one reader follows one file from where it began reading.
 */
import type { AgentKind } from '../model/sessionRecord';
import { createCodexLineParser } from './codexTranscript';
import { createGeminiLineParser } from './geminiTranscript';
import { LineParser, parseTranscriptLine } from './transcript';

export type { LineParser };

/** A reader of `kind`'s transcript lines; `model`: the session's, for a Codex file read from its middle. */
export function transcriptParser(kind: AgentKind, model?: string): LineParser {
  switch (kind) {
    case 'codex':
      return createCodexLineParser(model);
    case 'gemini':
      return createGeminiLineParser();
    default:
      return parseTranscriptLine;
  }
}
