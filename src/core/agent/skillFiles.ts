/**
 * The `instar-session` skill, installed where Claude Code loads skills: a workspace's
 * `.claude/skills/` (every session started in it, Instar's or not) or the user's
 * `~/.claude/skills/` (every project). Installing again updates it in place; removing takes only
 * what was installed.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../util/atomicWrite';

export const SKILL_NAME = 'instar-session';

export type SkillScope = 'workspace' | 'user';

/** The skill's folder for a scope: `<root>/.claude/skills/instar-session`. */
export function skillDir(scope: SkillScope, roots: { workspace?: string; home: string }): string {
  const root = scope === 'workspace' ? roots.workspace : roots.home;
  if (!root) throw new Error('There is no workspace folder to install the skill into; install it for all your projects instead.');
  return path.join(root, '.claude', 'skills', SKILL_NAME);
}

export type SkillState = 'absent' | 'current' | 'outdated';

/** Whether the skill in `dir` is the one `source` holds. */
export async function skillState(dir: string, source: string): Promise<SkillState> {
  const installed = await fs.readFile(path.join(dir, 'SKILL.md'), 'utf8').catch(() => undefined);
  if (installed === undefined) return 'absent';
  return installed === (await fs.readFile(source, 'utf8')) ? 'current' : 'outdated';
}

/** Copies `source` (the shipped SKILL.md) into `dir`; says what it did. */
export async function installSkill(dir: string, source: string): Promise<'installed' | 'updated' | 'unchanged'> {
  const state = await skillState(dir, source);
  if (state === 'current') return 'unchanged';
  // Folders as the user's others (a workspace's .claude/ is often shared through git).
  await fs.mkdir(dir, { recursive: true });
  await writeFileAtomic(path.join(dir, 'SKILL.md'), await fs.readFile(source), { mode: 0o644 });
  return state === 'absent' ? 'installed' : 'updated';
}

/** Removes the skill's SKILL.md, and its folder when nothing else is in it. False when it was not there. */
export async function removeSkill(dir: string): Promise<boolean> {
  try {
    await fs.rm(path.join(dir, 'SKILL.md'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  await fs.rmdir(dir).catch(() => undefined);
  return true;
}
