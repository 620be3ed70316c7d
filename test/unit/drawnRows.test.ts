/**
 * The Sessions view's check of its rows against the engine: a row that shows another state, a
 * session with no row, a row of a session that is gone, each reported once it lasted the grace
 * period, flat and grouped (a collapsed group shows no rows and owes none).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DrawnRows, ExpectedRow } from '../../src/vscode/views/drawnRows';

const GRACE = 1000;
const row = (name: string, state: string): ExpectedRow => ({ name, truth: state, group: state });

describe("the view's rows against the engine", () => {
  it('reports a row left in an old state once it lasted the grace period, as one its own redraw mends', () => {
    const rows = new DrawnRows();
    rows.listedRoot(['a', 'b']);
    rows.drew('a', 'running');
    rows.drew('b', 'idle');
    assert.deepEqual(rows.check([row('a', 'running'), row('b', 'idle')], false, 0, GRACE), []);
    // a turned idle; its row was not drawn again.
    assert.deepEqual(rows.check([row('a', 'idle'), row('b', 'idle')], false, 100, GRACE), [], 'not yet: within the grace period');
    assert.deepEqual(rows.check([row('a', 'idle'), row('b', 'idle')], false, 1100, GRACE), [{ name: 'a', what: 'shows running while it is idle', ms: 1000, rowAlone: true }]);
    rows.redrawn('a', 1100);
    assert.deepEqual(rows.check([row('a', 'idle'), row('b', 'idle')], false, 1500, GRACE), [], 'redrawn: counted anew');
    rows.drew('a', 'idle');
    assert.deepEqual(rows.check([row('a', 'idle'), row('b', 'idle')], false, 5000, GRACE), [], 'drawn right');
  });

  it('reports a session with no row and a row whose session is gone, as ones the list must mend', () => {
    const rows = new DrawnRows();
    rows.listedRoot(['old']);
    rows.drew('old', 'completed');
    rows.check([row('new', 'starting')], false, 0, GRACE);
    const problems = rows.check([row('new', 'starting')], false, 1500, GRACE);
    assert.deepEqual(
      problems.map((p) => [p.name, p.what, p.rowAlone]),
      [
        ['new', 'has no row', false],
        ['old', 'is gone but still has a row', false],
      ],
    );
    rows.forget('old');
    rows.check([row('new', 'starting')], false, 1600, GRACE);
    assert.deepEqual(rows.check([row('new', 'starting')], false, 2600, GRACE).map((p) => p.name), ['new', 'old'], 'forgotten, its row is still there until the list is drawn again');
    rows.listedRoot(['new']);
    rows.drew('new', 'starting');
    assert.deepEqual(rows.check([row('new', 'starting')], false, 3000, GRACE), []);
  });

  it('a disagreement that changes starts its own count', () => {
    const rows = new DrawnRows();
    rows.listedRoot(['a']);
    rows.drew('a', 'starting');
    rows.check([row('a', 'running')], false, 0, GRACE);
    assert.equal(rows.check([row('a', 'idle')], false, 900, GRACE).length, 0, 'another state since: a new count');
    assert.equal(rows.check([row('a', 'idle')], false, 1900, GRACE).length, 1);
  });

  it('grouped: owes rows only in expanded groups, and sees a session left in its old group', () => {
    const rows = new DrawnRows();
    rows.listedRoot('groups');
    rows.listedGroup('idle', ['a']);
    rows.drew('a', 'idle');
    // b is in a collapsed group (never listed): no row is owed.
    const expected = [row('a', 'idle'), row('b', 'completed')];
    rows.check(expected, true, 0, GRACE);
    assert.deepEqual(rows.check(expected, true, 2000, GRACE), []);
    // a turned running; the idle group still lists it.
    const moved = [row('a', 'running'), row('b', 'completed')];
    rows.check(moved, true, 3000, GRACE);
    assert.deepEqual(rows.check(moved, true, 4000, GRACE), [{ name: 'a', what: 'is in the group of another state (idle) while it is running', ms: 1000, rowAlone: false }]);
    // Removed from a group that was not listed again: its row is still there.
    const gone = new DrawnRows();
    gone.listedRoot('groups');
    gone.listedGroup('killed', ['k']);
    gone.drew('k', 'killed');
    gone.forget('k');
    gone.check([], true, 0, GRACE);
    assert.deepEqual(gone.check([], true, 1000, GRACE).map((p) => [p.name, p.what]), [['k', 'is gone but still has a row']]);
    gone.listedGroup('killed', []);
    assert.deepEqual(gone.check([], true, 2000, GRACE), []);
    // The list drawn again: the idle group without a, the running group with it.
    rows.listedRoot('groups');
    rows.listedGroup('idle', []);
    rows.listedGroup('running', ['a']);
    rows.drew('a', 'running');
    assert.deepEqual(rows.check(moved, true, 6000, GRACE), []);
  });
});
