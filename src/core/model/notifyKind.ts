/**
 * The kinds of happening a person away from the editor can be told about, in the order the
 * settings list them. Every one is sent by default (`instar.notify.events`).
 */
export type NotifyKind = 'waiting' | 'error' | 'budget' | 'job-failed' | 'batch-done';
export const NOTIFY_KINDS: readonly NotifyKind[] = ['waiting', 'error', 'budget', 'job-failed', 'batch-done'];
