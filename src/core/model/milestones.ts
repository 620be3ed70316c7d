/**
 * What a team has done at least once, read from its records: a session spawned, a follow-up
 * answered, an agent that spawned an agent, a job's run. The
 * walkthrough marks its steps done by these, so a step is done when the user really did it,
 * however they did it (the palette, a terminal, the API, an agent).
 */
import type { SessionRecord } from './sessionRecord';

export type Milestone = 'spawned' | 'followedUp' | 'steered' | 'jobRan';

export const MILESTONES: readonly Milestone[] = ['spawned', 'followedUp', 'steered', 'jobRan'];

type MilestoneFields = Pick<SessionRecord, 'adopted' | 'turns' | 'parent' | 'jobSlug'>;

/** The milestones these records show. */
export function milestonesOf(records: Iterable<MilestoneFields>): Set<Milestone> {
  const reached = new Set<Milestone>();
  for (const record of records) {
    if (!record.adopted) reached.add('spawned');
    // The first turn answers the prompt it was spawned with; a second one answered a follow-up.
    if ((record.turns ?? 0) >= 2) reached.add('followedUp');
    if (record.parent !== undefined) reached.add('steered');
    if (record.jobSlug !== undefined) reached.add('jobRan');
  }
  return reached;
}
