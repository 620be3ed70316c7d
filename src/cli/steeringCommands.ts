/** Steering a session as a person at its terminal would: `instar send`, `keys` and `answer`. */
import { words } from './cliArgs';
import { Command, show } from './cliCommand';
import { waitThenResult } from './waitCommands';

export const steeringCommands = {
  send: {
    usage: 'instar send <name> <text | -> [--resume] [--wait] [--result] [--timeout <seconds>]',
    summary: 'Type text into a session and submit it; --resume resumes an ended one first; --wait waits for the turn it starts, --result prints its answer.',
    flags: ['resume', 'wait', 'result'],
    options: ['timeout'],
    async run(c) {
      const [name, textWord] = words(c, 2, 2);
      const text = textWord === '-' ? await c.io.stdin() : textWord;
      const sent = await c.api.call<{ sentAt: string }>('POST', `/sessions/${encodeURIComponent(name)}/input`, { text, ...(c.flags.has('resume') ? { resume: true } : {}) });
      if (!c.flags.has('wait') && !c.flags.has('result')) return show(c, sent, `Sent to ${name}.`);
      return waitThenResult(c, name, sent.sentAt);
    },
  },
  keys: {
    usage: 'instar keys <name> <key>...',
    summary: 'Press keys by name in a session: Escape, Enter, Up, Down, Tab, C-c, 1, y…',
    async run(c) {
      const [name, ...keys] = words(c, 2, Number.POSITIVE_INFINITY);
      return show(c, await c.api.call('POST', `/sessions/${encodeURIComponent(name)}/keys`, { keys }), `Pressed ${keys.join(' ')} in ${name}.`);
    },
  },
  answer: {
    usage: 'instar answer <name> <option>',
    summary: 'Choose an option of the dialog a session shows, by its label or number; it says what came of it (a tool call allowed, or refused and not run).',
    async run(c) {
      const [name, option] = words(c, 2, 2);
      const answer = await c.api.call<{ answered: string; outcome: string }>('POST', `/sessions/${encodeURIComponent(name)}/answer`, { option });
      const outcome = answer.outcome === 'refused' ? ': the tool call was refused and did not run' : answer.outcome === 'allowed' ? ': the tool call is allowed' : '';
      return show(c, answer, `Answered "${answer.answered}" in ${name}${outcome}.`);
    },
  },
} satisfies Record<string, Command>;
