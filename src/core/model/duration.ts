/** Durations as people read them: "45s", "5m", "2h", "3d". */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h`;
  return `${Math.floor(hours / 24)}d`;
}

/** The unit formatDuration shows `ms` in. */
function shownUnit(ms: number): number {
  if (ms < 60_000) return 1000;
  if (ms < 3_600_000) return 60_000;
  if (ms < 48 * 3_600_000) return 3_600_000;
  return 86_400_000;
}

/** How long until a growing age (`ms` now) reads differently through formatDuration. */
export function msUntilAgeChanges(ms: number): number {
  const age = Math.max(0, ms);
  return shownUnit(age) - (age % shownUnit(age));
}

/** How long until a shrinking remainder (`ms` now) reads differently through formatDuration. */
export function msUntilCountdownChanges(ms: number): number {
  const left = Math.max(0, ms);
  return (left % shownUnit(left)) + 1;
}
