/**
 * A stand-in named "claude" (so the engine gives it hooks) that only sleeps. Like Claude Code it
 * says SessionStart through a hook event file in the events folder (next to the settings file it
 * is given), and, when AGENT_REPORT names a file, it appends a line to it: its session id, that
 * folder and the `instar` command its PATH finds ("-" for none).
 * The tests then play Claude Code's part by writing hook events (writeHookEvent).
 */
import { randomUUID } from 'node:crypto';
import { chmod, mkdir, rename, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export async function writeQuietAgent(bin: string): Promise<string> {
  await mkdir(bin, { recursive: true });
  const agent = join(bin, 'claude');
  await writeFile(
    agent,
    [
      '#!/bin/sh',
      '[ "$1" = --version ] && { echo "2.1.197 (Claude Code)"; exit 0; }',
      'settings=',
      'while [ $# -gt 0 ]; do [ "$1" = --settings ] && settings=$2; shift; done',
      'if [ -n "$settings" ] && [ -n "$INSTAR_SESSION_ID" ]; then',
      '  d=$(dirname "$settings")/events',
      '  t=$(mktemp "$d/.XXXXXXXX") && printf \'{"hook_event_name":"SessionStart","session_id":"%s"}\' "$INSTAR_SESSION_ID" > "$t" && mv "$t" "$d/$INSTAR_SESSION_ID.${t##*.}.json"',
      '  [ -n "$AGENT_REPORT" ] && printf "%s %s %s\\n" "$INSTAR_SESSION_ID" "$d" "$(command -v instar || echo -)" >> "$AGENT_REPORT"',
      'fi',
      'exec sleep 100000',
      '',
    ].join('\n'),
  );
  await chmod(agent, 0o755);
  return agent;
}

/**
 * Writes a hook payload into `eventsDir` as the hooks do (a temporary file renamed into place);
 * resolves with the wall-clock time just before the rename, in ms with a fraction (one clock for
 * every process of the machine, a browser page's included).
 */
export async function writeHookEvent(eventsDir: string, sessionId: string, payload: Record<string, unknown>, writtenAt?: Date): Promise<number> {
  const suffix = randomUUID().replace(/-/g, '').slice(0, 8);
  const temporary = join(eventsDir, `.${sessionId}.${suffix}`);
  await writeFile(temporary, JSON.stringify({ session_id: sessionId, ...payload }));
  // An event written earlier and read late (a hook of an exiting agent): its file's time says when.
  if (writtenAt) await utimes(temporary, writtenAt, writtenAt);
  const at = performance.timeOrigin + performance.now();
  await rename(temporary, join(eventsDir, `${sessionId}.${suffix}.json`));
  return at;
}
