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

/** `coalesce` for a job per key: runs of one key never overlap (a call during one asks for one more), runs of different keys do. */
export interface KeyedJob {
  /** Runs the job of `key` now, or once more after its run under way; resolves when that run is done. */
  run(key: string): Promise<void>;
  /** Resolves once no run of any key is under way. */
  idle(): Promise<void>;
}

export function coalesceByKey(job: (key: string) => Promise<void>, stopped: () => boolean = () => false): KeyedJob {
  const jobs = new Map<string, { run: () => Promise<void>; pending: Promise<void> }>();
  return {
    run(key) {
      let entry = jobs.get(key);
      if (!entry) {
        entry = { run: coalesce(() => job(key), stopped), pending: Promise.resolve() };
        jobs.set(key, entry);
      }
      const pending = entry.run();
      entry.pending = pending;
      const forget = () => {
        if (jobs.get(key)?.pending === pending) jobs.delete(key);
      };
      pending.then(forget, forget);
      return pending;
    },
    async idle() {
      while (jobs.size > 0) await Promise.all([...jobs.values()].map((entry) => entry.pending.catch(() => undefined)));
    },
  };
}
