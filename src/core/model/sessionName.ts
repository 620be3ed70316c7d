/** Free session names: suggested in the spawn flows, given to job runs. */

/** The first of `candidate(1)`, `candidate(2)`, … that is not taken. */
export function firstFreeName(candidate: (n: number) => string, isTaken: (name: string) => boolean): string {
  for (let n = 1; ; n += 1) {
    const name = candidate(n);
    if (!isTaken(name)) return name;
  }
}

/** The first free name of the form `base-N`, given the names taken. */
export function suggestName(base: string, taken: ReadonlySet<string>): string {
  const clean = base.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 50) || 'session';
  return firstFreeName((n) => `${clean}-${n}`, (name) => taken.has(name));
}

/** A short name from the first words of a prompt ("Fix the login bug" → "fix-the-login"). */
export function nameFromPrompt(prompt: string): string {
  const words = prompt.toLowerCase().match(/[a-z0-9]+/g) ?? [];
  return words.slice(0, 3).join('-').slice(0, 40) || 'session';
}
