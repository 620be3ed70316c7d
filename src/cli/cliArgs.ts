/**
 * The command line of `instar`: a command, its positional words and its --options. Options take
 * their value as the next word or after "="; flags take none; "--" ends the options. And what a
 * command reads of them: so many words, options as a query, a sum of dollars, a number of seconds.
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

/** The positional words, at least `min` and at most `max`. */
export function words(args: Pick<ParsedArgs, 'words'>, min: number, max: number): string[] {
  if (args.words.length < min || args.words.length > max) {
    throw new UsageError(args.words.length < min ? `Missing ${min - args.words.length === 1 ? 'an argument' : 'arguments'}.` : `Too many arguments: ${args.words.slice(max).map((word) => JSON.stringify(word)).join(' ')}.`);
  }
  return args.words;
}

/** "?status=idle&label=x" from the options given, or "". */
export function queryOf(args: Pick<ParsedArgs, 'options'>, keys: readonly string[]): string {
  const query = new URLSearchParams();
  for (const key of keys) if (args.options.has(key)) query.set(key, args.options.get(key)!);
  return query.size ? `?${query}` : '';
}

export function dollars(text: string): number {
  const value = Number(text.replace(/^\$/, ''));
  if (!/^\$?\d+(\.\d+)?$/.test(text) || value <= 0) throw new UsageError(`--budget takes a number of US dollars above 0, such as 2.50; got ${JSON.stringify(text)}.`);
  return value;
}

export function wholeNumber(text: string, what: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`--${what} takes a whole number of seconds; got ${JSON.stringify(text)}.`);
  return Number(text);
}
