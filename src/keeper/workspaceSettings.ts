/**
 * The settings of a keeper started by hand: the `instar.*` values of the workspace's
 * `.vscode/settings.json` (comments and trailing commas allowed, as VS Code writes them), the
 * defaults for the rest.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parse, ParseError, printParseErrorCode } from 'jsonc-parser';
import { readSettings, Settings } from '../core/settings/instarSettings';

export async function readWorkspaceSettings(workspace: string): Promise<Settings> {
  const file = path.join(workspace, '.vscode', 'settings.json');
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return readSettings(() => undefined);
    throw new Error(`Could not read ${file}: ${(error as Error).message}`, { cause: error });
  }
  const errors: ParseError[] = [];
  const values: unknown = parse(text, errors, { allowTrailingComma: true });
  if (errors.length > 0) throw new Error(`${file} could not be read at offset ${errors[0].offset}: ${printParseErrorCode(errors[0].error)}. Fix it, or start the keeper from a window of the workspace.`);
  const flat = values && typeof values === 'object' && !Array.isArray(values) ? (values as Record<string, unknown>) : {};
  return readSettings((key) => flat[`instar.${key}`]);
}
