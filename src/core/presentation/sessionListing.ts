/**
 * Which sessions a list of hundreds shows: those a filter keeps (by state, label, job or name),
 * every live one, and of the ended ones a page at a time (the newest first), the rest counted
 * behind a "more" row, as VS Code's own long lists do.
 */
import { isEnded, SessionRecord, SessionStatus } from '../model/sessionRecord';
import { GROUP_ORDER, STATUS_LOOKS } from './sessionPresentation';

/** Ended sessions shown at first, and added by each "more". */
export const ENDED_PAGE = 50;

export interface SessionFilter {
  /** As the person typed it. */
  text: string;
  /** Any of these states (none: any state). */
  states: readonly SessionStatus[];
  /** Any of these labels, any of these jobs (none: any). */
  labels: readonly string[];
  jobs: readonly string[];
  /** Every one of these in the name, whatever the case. */
  words: readonly string[];
}

const STATE_WORDS: Record<string, readonly SessionStatus[]> = {
  live: ['starting', 'running', 'waiting', 'idle'],
  ended: ['completed', 'killed', 'error', 'lost'],
  ...Object.fromEntries(GROUP_ORDER.map((status) => [status, [status]])),
  ...Object.fromEntries(GROUP_ORDER.map((status) => [STATUS_LOOKS[status].label.toLowerCase().replace(/\s+/g, '-'), [status]])),
};

/**
 * A filter from what a person typed: `state:waiting` (or `is:`; `live`, `ended` and each state's
 * name), `label:<label>`, `job:<slug>`, and words the name must hold. Throws, saying what is
 * allowed, for a state there is none of or a term with nothing after its colon.
 */
export function parseFilter(text: string): SessionFilter | undefined {
  const terms = text.trim().split(/\s+/).filter((term) => term !== '');
  if (terms.length === 0) return undefined;
  const filter = { text: terms.join(' '), states: [] as SessionStatus[], labels: [] as string[], jobs: [] as string[], words: [] as string[] };
  for (const term of terms) {
    const match = /^(state|is|label|job):(.*)$/i.exec(term);
    if (!match) {
      filter.words.push(term.toLowerCase());
      continue;
    }
    const [, key, value] = match;
    if (value === '') throw new Error(`"${term}" says nothing after its colon: give ${key.toLowerCase()}:<${key.toLowerCase() === 'label' ? 'label' : key.toLowerCase() === 'job' ? 'slug' : 'state'}>.`);
    if (key.toLowerCase() === 'label') filter.labels.push(value);
    else if (key.toLowerCase() === 'job') filter.jobs.push(value);
    else {
      const states = STATE_WORDS[value.toLowerCase()];
      if (!states) throw new Error(`There is no state "${value}": use ${['live', 'ended', ...GROUP_ORDER].join(', ')}.`);
      filter.states.push(...states.filter((state) => !filter.states.includes(state)));
    }
  }
  return filter;
}

export function matchesFilter(record: SessionRecord, filter: SessionFilter | undefined): boolean {
  if (!filter) return true;
  if (filter.states.length > 0 && !filter.states.includes(record.status)) return false;
  if (filter.labels.length > 0 && (record.batch === undefined || !filter.labels.includes(record.batch))) return false;
  if (filter.jobs.length > 0 && (record.jobSlug === undefined || !filter.jobs.includes(record.jobSlug))) return false;
  const name = record.name.toLowerCase();
  return filter.words.every((word) => name.includes(word));
}

/**
 * Of `records` in the order they are listed, those shown: the filter's, every live one, and the
 * first `endedShown` ended ones; `moreEnded` counts the ended ones left out.
 */
export function listedSessions(records: readonly SessionRecord[], filter: SessionFilter | undefined, endedShown: number): { shown: SessionRecord[]; moreEnded: number } {
  const shown: SessionRecord[] = [];
  let ended = 0;
  for (const record of records) {
    if (!matchesFilter(record, filter)) continue;
    if (isEnded(record)) {
      ended += 1;
      if (ended > endedShown) continue;
    }
    shown.push(record);
  }
  return { shown, moreEnded: Math.max(0, ended - endedShown) };
}
