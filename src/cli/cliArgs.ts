/**
 * The command line of `instar`: a command, its positional words and its --options. Options take
 * their value as the next word or after "="; flags take none; "--" ends the options.
 */

export interface ParsedArgs {
  command: string | undefined;
  words: string[];
  options: Map<string, string>;
  flags: Set<string>;
}

/** A usage error: exit status 2, with the message and a pointer to the help. */
export class UsageError extends Error {}

export function parseArgs(argv: readonly string[], flagNames: ReadonlySet<string>, optionNames: ReadonlySet<string>): ParsedArgs {
  const words: string[] = [];
  const options = new Map<string, string>();
  const flags = new Set<string>();
  let onlyWords = false;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (onlyWords || !arg.startsWith('--') || arg === '-') {
      words.push(arg);
      continue;
    }
    if (arg === '--') {
      onlyWords = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (flagNames.has(name)) {
      if (eq >= 0) throw new UsageError(`--${name} takes no value.`);
      flags.add(name);
    } else if (optionNames.has(name)) {
      const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value.`);
      options.set(name, value);
    } else {
      throw new UsageError(`Unknown option --${name}.`);
    }
  }
  return { command: words.shift(), words, options, flags };
}
