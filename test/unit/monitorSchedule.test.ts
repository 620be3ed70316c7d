/**
 * When the monitor checks: at its period, less often while all is quiet (four times at most,
 * sixteen where every change would be told without a check), never past a check that is due.
 */
import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { MonitorSchedule } from '../../src/core/sessions/monitorSchedule';

const logger = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/** The times (ms from the start) of the checks in the first `untilMs`, stepping mocked timers 10 ms at a time. */
async function checkTimes(options: { watched?: boolean; dueBy?: () => number | undefined; untilMs: number }): Promise<number[]> {
  mock.timers.enable({ apis: ['setTimeout'] });
  let now = 0;
  const times: number[] = [];
  const schedule = new MonitorSchedule({
    check: async () => {
      times.push(now);
    },
    settled: () => true,
    watched: () => options.watched ?? false,
    dueBy: options.dueBy,
    clock: { now: () => now },
    logger,
  });
  try {
    schedule.setPeriod(100);
    while (now < options.untilMs) {
      now += 10;
      mock.timers.tick(10);
      // The check's promise, then the next timer.
      for (let i = 0; i < 5; i += 1) await Promise.resolve();
    }
    return times;
  } finally {
    schedule.dispose();
    mock.timers.reset();
  }
}

describe('the monitor schedule', () => {
  it('stretches a quiet period up to four times', async () => {
    assert.deepEqual(await checkTimes({ untilMs: 2100 }), [100, 200, 300, 500, 900, 1300, 1700, 2100]);
  });

  it('stretches it up to sixteen times where every change is told without a check', async () => {
    assert.deepEqual(await checkTimes({ watched: true, untilMs: 5000 }), [100, 200, 300, 500, 900, 1700, 3300, 4900]);
  });

  it('comes no later than a check that is due (an idle limit ending), and stretches on once it came', async () => {
    assert.deepEqual(await checkTimes({ watched: true, dueBy: () => 2000, untilMs: 3700 }), [100, 200, 300, 500, 900, 1700, 2000, 3600]);
    assert.deepEqual(await checkTimes({ watched: true, dueBy: () => 1750, untilMs: 1900 }), [100, 200, 300, 500, 900, 1700, 1800], 'no sooner than its period');
  });
});
