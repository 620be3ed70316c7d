/**
 * `instar`: the local API of Instar Sessions from a terminal, for agents and people, without
 * curl. Each command wraps one route (or two: spawn and wait); errors are one line on stderr and
 * an exit status a script can test.
 */
import { ApiClient, UnreachableError } from './apiClient';
import { parseArgs, UsageError } from './cliArgs';
import { CliIo, Command, EXIT } from './cliCommand';
import { machineCommands } from './machineCommands';
import { readingCommands } from './readingCommands';
import { sessionCommands } from './sessionCommands';
import { steeringCommands } from './steeringCommands';
import { waitCommands } from './waitCommands';

const { spawn, list, show, kill, remove, resume } = sessionCommands;
const { wait, result } = waitCommands;
const { send, keys, answer } = steeringCommands;
const { output, diff, usage, search, events } = readingCommands;
const { doctor, keeper, mcp } = machineCommands;
type CommandName = keyof (typeof sessionCommands & typeof waitCommands & typeof steeringCommands & typeof readingCommands & typeof machineCommands);

/** Every command by its name, in the order the help lists them (each area's, none left out). */
const COMMANDS: Record<string, Command> = { spawn, list, show, wait, result, send, keys, answer, output, kill, remove, resume, diff, usage, search, events, doctor, keeper, mcp } satisfies Record<CommandName, Command>;

const HELP = [
  'instar: steer Instar Sessions (Claude Code sessions in tmux, run from VS Code) from a terminal.',
  '',
  ...Object.values(COMMANDS).flatMap((command) => [`  ${command.usage}`, `      ${command.summary}`]),
  '',
  'Every command takes --json (print the API\'s JSON) and --help.',
  'The API is found through INSTAR_SERVER_URL and INSTAR_AUTH_TOKEN (every session Instar spawns has them), else .instar/config.json in this folder or above.',
  'Exit status: 0 done, 1 refused by the API (the reason on stderr) or the session ended in error, 2 bad usage, 3 the API cannot be reached, 4 a wait timed out.',
].join('\n');

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const commandName = argv.find((arg) => !arg.startsWith('--'));
  if (argv.length === 0 || commandName === 'help' || (commandName === undefined && argv.includes('--help'))) {
    io.out(HELP);
    return argv.length === 0 ? EXIT.usage : EXIT.ok;
  }
  const command = commandName === undefined ? undefined : COMMANDS[commandName];
  try {
    if (!command) throw new UsageError(`Unknown command ${JSON.stringify(commandName ?? argv[0])}: use one of ${Object.keys(COMMANDS).join(', ')}.`);
    const parsed = parseArgs(argv, new Set(['json', 'help', ...(command.flags ?? [])]), new Set(command.options ?? []));
    if (parsed.flags.has('help')) {
      io.out(`${command.usage}\n  ${command.summary}`);
      return EXIT.ok;
    }
    return await command.run({ api: new ApiClient(io.env, io.cwd), io, words: parsed.words, options: parsed.options, flags: parsed.flags, json: parsed.flags.has('json') });
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`instar: ${error.message}${command ? `\nUsage: ${command.usage}` : ''}\n(instar --help lists the commands.)`);
      return EXIT.usage;
    }
    // The API's refusal, or anything else that went wrong on the way: its own words.
    io.err(`instar: ${(error as Error).message}`);
    return error instanceof UnreachableError ? EXIT.unreachable : EXIT.refused;
  }
}
