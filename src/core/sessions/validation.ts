/**
 * Validation of everything a caller hands to spawn. Each refusal says what is allowed.
 */
import { DEFAULT_PERMISSION_MODE, PERMISSION_MODES, PermissionMode } from '../model/permissionMode';
import { invalidInput } from '../util/errors';

export const NAME_RULE =
  '1 to 64 characters of lower-case letters a-z, digits 0-9 and "-", starting with a letter or digit';
const NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** Throws unless `name` is a valid session name. */
export function validateName(name: unknown, what = 'session name'): string {
  if (typeof name !== 'string') throw invalidInput(`The ${what} must be a string: ${NAME_RULE}.`);
  if (!NAME_PATTERN.test(name)) {
    const shown = name.length > 80 ? `${JSON.stringify(name.slice(0, 80))}… (${name.length} characters)` : JSON.stringify(name);
    throw invalidInput(`Invalid ${what} ${shown}: use ${NAME_RULE}.`);
  }
  return name;
}

/** Explains what is wrong with a name, or returns undefined when it is valid (for live validation). */
export function describeNameProblem(name: string): string | undefined {
  try {
    validateName(name);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

export const MODEL_ALIASES = ['opus', 'sonnet', 'haiku'] as const;
export type ModelAlias = (typeof MODEL_ALIASES)[number];
export const DEFAULT_MODEL: ModelAlias = 'sonnet';
const MODEL_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@/[\]-]{0,127}$/;

/** An alias (opus, sonnet, haiku) or a full model id such as claude-sonnet-4-5-20250929. */
export function validateModel(model: unknown): string {
  if (model === undefined || model === null || model === '') return DEFAULT_MODEL;
  if (typeof model === 'string' && ((MODEL_ALIASES as readonly string[]).includes(model) || (MODEL_ID_PATTERN.test(model) && model.includes('-')))) {
    return model;
  }
  throw invalidInput(
    `Invalid model ${JSON.stringify(model)}: use ${MODEL_ALIASES.join(', ')} or a full model id such as claude-sonnet-4-5 (letters, digits and . _ : @ / - only).`,
  );
}

export function validatePermissionMode(mode: unknown): PermissionMode {
  if (mode === undefined || mode === null || mode === '') return DEFAULT_PERMISSION_MODE;
  if (typeof mode === 'string' && (PERMISSION_MODES as readonly string[]).includes(mode)) return mode as PermissionMode;
  throw invalidInput(`Invalid permission mode ${JSON.stringify(mode)}: use one of ${PERMISSION_MODES.join(', ')}.`);
}

/**
 * Prompts (and input) are at most 500 KiB of UTF-8: what reaches the model with every Claude Code
 * tested and the default model. Claude Code itself refuses a prompt beyond its model's context
 * ("Context limit reached"), at 522,388 characters with Sonnet on 2.1.260 in an empty project,
 * less where the project brings context of its own (a CLAUDE.md); such a refusal ends the turn
 * as an error that says so.
 */
export const MAX_PROMPT_BYTES = 500 * 1024;

export function validateText(text: unknown, what: string, maxBytes: number, allowEmpty = true): string {
  if (typeof text !== 'string') throw invalidInput(`The ${what} must be a string.`);
  if (!allowEmpty && text.length === 0) throw invalidInput(`The ${what} must not be empty.`);
  const index = text.indexOf('\0');
  if (index >= 0) {
    throw invalidInput(`The ${what} contains a NUL byte (at character ${index}); a terminal cannot carry it. Remove it and try again.`);
  }
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes) {
    throw invalidInput(`The ${what} is ${bytes} bytes; at most ${maxBytes} bytes (${formatBytes(maxBytes)}) are allowed.`);
  }
  return text;
}

export function validateArgs(args: unknown): string[] {
  if (args === undefined || args === null) return [];
  if (!Array.isArray(args) || args.some((arg) => typeof arg !== 'string')) {
    throw invalidInput('Extra agent arguments must be a list of strings (each one argument, no shell quoting).');
  }
  for (const arg of args as string[]) validateText(arg, 'extra agent argument', 4096);
  return args as string[];
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(bytes % (1024 * 1024) === 0 ? 0 : 1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(bytes % 1024 === 0 ? 0 : 1)} KiB`;
  return `${bytes} bytes`;
}
