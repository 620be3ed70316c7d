/**
 * Waiting for sessions and reading their answers: `instar wait` and `instar result`, and the
 * --wait and --result of spawn and send. A wait that times out is exit status 4.
 */
import { ApiError } from './apiClient';
import { wholeNumber, words } from './cliArgs';
import { Command, Context, EXIT, Session, show } from './cliCommand';

export const waitCommands = {
  wait: {
    usage: 'instar wait <name> | --label <label> [--any] [--until idle,waiting,ended] [--timeout <seconds>] [--since <time>]',
    summary: 'Wait until a session (or every session of a label; with --any the first) is idle, waiting or ended, or the states of --until. Exit status 4 at the time-out.',
    flags: ['any'],
    options: ['label', 'until', 'timeout', 'since'],
    async run(c) {
      const label = c.options.get('label');
      const [name] = words(c, label === undefined ? 1 : 0, label === undefined ? 1 : 0);
      const query = waitQuery(c, c.options.get('since'));
      if (label === undefined) return waitForSession(c, name, query);
      if (c.flags.has('any')) query.set('mode', 'any');
      try {
        const answer = await c.api.call<{ sessions: { reached: string | null; session: Session }[] }>('GET', `/labels/${encodeURIComponent(label)}/wait?${query}`);
        return show(c, answer, answer.sessions.map(({ reached, session }) => `${session.name}: ${reached ?? session.status}`).join('\n'));
      } catch (error) {
        if (error instanceof ApiError && error.status === 408) return timedOut(c, error);
        throw error;
      }
    },
  },
  result: {
    usage: 'instar result <name>',
    summary: "Print the session's last answer (what it said when its last turn ended).",
    async run(c) {
      const [name] = words(c, 1, 1);
      return printResult(c, name);
    },
  },
} satisfies Record<string, Command>;

/** --wait and --result of spawn and send: the turn's end, then (with --result) its answer. */
export async function waitThenResult(c: Context, name: string, since: string | undefined): Promise<number> {
  const query = waitQuery(c, since);
  if (!c.flags.has('result')) return waitForSession(c, name, query);
  const quiet: Context = { ...c, io: { ...c.io, out: () => undefined } };
  const waited = await waitForSession(quiet, name, query);
  return waited === EXIT.timeout ? waited : printResult(c, name);
}

function waitQuery(c: Context, since: string | undefined): URLSearchParams {
  const query = new URLSearchParams();
  if (c.options.has('until')) query.set('until', c.options.get('until')!);
  if (c.options.has('timeout')) query.set('timeout', String(wholeNumber(c.options.get('timeout')!, 'timeout')));
  if (since !== undefined) query.set('since', since);
  return query;
}

async function waitForSession(c: Context, name: string, query: URLSearchParams): Promise<number> {
  try {
    const answer = await c.api.call<{ reached: string; session: Session }>('GET', `/sessions/${encodeURIComponent(name)}/wait?${query}`);
    show(c, answer, `${name}: ${answer.reached}${answer.session.statusDetail ? ` (${answer.session.statusDetail})` : ''}`);
    return answer.session.status === 'error' || answer.session.status === 'lost' ? EXIT.refused : EXIT.ok;
  } catch (error) {
    if (error instanceof ApiError && error.status === 408) return timedOut(c, error);
    throw error;
  }
}

function timedOut(c: Context, error: ApiError): number {
  if (c.json) c.io.out(JSON.stringify(error.body, null, 2));
  c.io.err(`instar: ${error.message}`);
  return EXIT.timeout;
}

async function printResult(c: Context, name: string): Promise<number> {
  const result = await c.api.call<{ answer: string | null; turns: number; status: string; error: string | null }>('GET', `/sessions/${encodeURIComponent(name)}/result`);
  if (c.json) return show(c, result, undefined);
  if (result.answer === null) {
    c.io.err(`instar: ${name} has no answer${result.error ? `: its last turn failed (${result.error})` : result.turns === 0 ? ' yet: no turn has ended' : ''}; it is ${result.status}.`);
    return EXIT.refused;
  }
  c.io.out(result.answer);
  return EXIT.ok;
}
