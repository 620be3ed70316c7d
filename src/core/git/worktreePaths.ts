/**
 * Paths of worktrees compared as git writes them (resolved, links followed), and the
 * containment test that keeps worktrees out of the repository and set-up files inside the worktree.
 */
import { realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/** Git writes worktree paths resolved; a path from a record is compared the same way. */
export const samePath = (a: string, b: string): boolean => resolve(a) === resolve(b);

/** `path` is `folder` or inside it (both resolved already). */
export function isInside(folder: string, path: string): boolean {
  const rest = relative(folder, path);
  return rest === '' || (rest !== '..' && !rest.startsWith(`..${sep}`) && !isAbsolute(rest));
}

/** The real path of a folder that may not exist yet: its deepest existing ancestor resolved, the rest appended. */
export async function realFolder(folder: string): Promise<string> {
  const real = await realpath(folder).catch(() => undefined);
  if (real) return real;
  const parent = dirname(folder);
  return parent === folder ? folder : join(await realFolder(parent), basename(folder));
}
