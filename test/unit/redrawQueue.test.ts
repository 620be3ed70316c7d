/**
 * The Sessions view's redraws, one at a time: one asked for while VS Code has not fetched the
 * last waits, merged with the others that wait, until the next fetch or for IN_FLIGHT_MS at most.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { IN_FLIGHT_MS, RedrawQueue } from '../../src/vscode/views/redrawQueue';

/** A queue whose redraws are noted in `sent` (undefined: the whole list). */
function queue(): { redraws: RedrawQueue<string>; sent: (string[] | undefined)[] } {
  const sent: (string[] | undefined)[] = [];
  return { redraws: new RedrawQueue<string>((parts) => sent.push(parts)), sent };
}

describe('the redraw queue', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'] }));
  afterEach(() => mock.timers.reset());

  it('asks at once when nothing is in flight', () => {
    const { redraws, sent } = queue();
    redraws.redraw(['a']);
    assert.deepEqual(sent, [['a']]);
    redraws.fetched();
    redraws.redraw(['b']);
    assert.deepEqual(sent, [['a'], ['b']], 'fetched with nothing waiting: the next goes at once too');
  });

  it('merges the redraws asked for while one is in flight into one, asked for after the fetch', () => {
    const { redraws, sent } = queue();
    redraws.redraw(['a']);
    redraws.redraw(['b']);
    redraws.redraw(['c', 'b']);
    assert.deepEqual(sent, [['a']], 'not fetched yet: they wait');
    redraws.fetched();
    assert.deepEqual(sent, [['a']], 'not in the middle of the fetch');
    mock.timers.tick(0);
    assert.deepEqual(sent, [['a'], ['b', 'c']]);
    mock.timers.tick(IN_FLIGHT_MS * 2);
    assert.deepEqual(sent, [['a'], ['b', 'c']], 'asked once');
  });

  it('a whole-list redraw takes in the parts that wait', () => {
    const { redraws, sent } = queue();
    redraws.redraw(['a']);
    redraws.redraw(['b']);
    redraws.redraw(undefined);
    redraws.fetched();
    mock.timers.tick(0);
    assert.deepEqual(sent, [['a'], undefined]);
  });

  it('asks for what waits once the last waited IN_FLIGHT_MS with no fetch (a hidden view fetches nothing)', () => {
    const { redraws, sent } = queue();
    redraws.redraw(['a']);
    mock.timers.tick(400);
    redraws.redraw(['b']);
    mock.timers.tick(IN_FLIGHT_MS - 400 - 1);
    assert.deepEqual(sent, [['a']]);
    mock.timers.tick(1);
    assert.deepEqual(sent, [['a'], ['b']], 'IN_FLIGHT_MS after the first was asked for, not after the second');
    // That one is in flight in its turn.
    redraws.redraw(['c']);
    assert.deepEqual(sent, [['a'], ['b']]);
    mock.timers.tick(IN_FLIGHT_MS);
    assert.deepEqual(sent, [['a'], ['b'], ['c']]);
  });

  it('asks at once when the last went unfetched for IN_FLIGHT_MS', () => {
    const { redraws, sent } = queue();
    redraws.redraw(['a']);
    mock.timers.tick(IN_FLIGHT_MS);
    redraws.redraw(['b']);
    assert.deepEqual(sent, [['a'], ['b']]);
  });

  it('asks for nothing once disposed', () => {
    const { redraws, sent } = queue();
    redraws.redraw(['a']);
    redraws.redraw(['b']);
    redraws.dispose();
    mock.timers.tick(IN_FLIGHT_MS);
    assert.deepEqual(sent, [['a']]);
  });
});
