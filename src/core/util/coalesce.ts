/**
 * Wraps an async job so that calls during a run share it and ask for exactly one more run
 * after it: no two runs overlap, and a call is never answered by a run that began before it.
 */
export function coalesce(job: () => Promise<void>, stopped: () => boolean = () => false): () => Promise<void> {
  let running: Promise<void> | undefined;
  let again = false;
  return () => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await job();
      } while (again && !stopped());
    })().finally(() => (running = undefined));
    return running;
  };
}
