import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ENDED_PAGE, listedSessions, matchesFilter, parseFilter } from '../../src/core/presentation/sessionListing';
import { RECORD_T0, sessionRecord } from '../support/records';

describe('a long list of sessions', () => {
  it('takes a filter of states, labels, jobs and words of the name, and says what a wrong one should be', () => {
    const filter = parseFilter('  state:waiting  is:Error label:nightly Review ')!;
    assert.deepEqual(filter, { text: 'state:waiting is:Error label:nightly Review', states: ['waiting', 'error'], labels: ['nightly'], jobs: [], words: ['review'] });
    assert.deepEqual(parseFilter('is:live')!.states, ['starting', 'running', 'waiting', 'idle']);
    assert.deepEqual(parseFilter('state:ended state:lost')!.states, ['completed', 'killed', 'error', 'lost']);
    assert.deepEqual(parseFilter('state:waiting-for-you')!.states, ['waiting'], "the state's words in the view");
    assert.equal(parseFilter('   '), undefined, 'nothing typed: no filter');
    assert.throws(() => parseFilter('state:sleeping'), /^Error: There is no state "sleeping": use live, ended, waiting, error, running, starting, idle, completed, killed, lost\.$/);
    assert.throws(() => parseFilter('label:'), /"label:" says nothing after its colon: give label:<label>\./);
  });

  it('keeps a session when every kind of term has one it matches', () => {
    const review = sessionRecord('Review-API', { status: 'waiting', batch: 'nightly' });
    const run = sessionRecord('job-audit-1', { status: 'error', jobSlug: 'audit', endedAt: RECORD_T0 });
    assert.equal(matchesFilter(review, parseFilter('review state:waiting label:nightly')), true);
    assert.equal(matchesFilter(review, parseFilter('review api')), true, 'every word, any case');
    assert.equal(matchesFilter(review, parseFilter('review audit')), false);
    assert.equal(matchesFilter(review, parseFilter('label:other')), false);
    assert.equal(matchesFilter(run, parseFilter('job:audit is:ended')), true);
    assert.equal(matchesFilter(run, parseFilter('label:nightly')), false, 'a label it does not have');
    assert.equal(matchesFilter(run, undefined), true);
  });

  it('shows every live session and a page of the ended ones, counting the rest', () => {
    const records = [
      ...Array.from({ length: 3 }, (_, i) => sessionRecord(`live-${i}`, { status: 'idle' })),
      ...Array.from({ length: ENDED_PAGE + 7 }, (_, i) => sessionRecord(`done-${i}`, { status: 'completed', endedAt: RECORD_T0 + i })),
      sessionRecord('live-late', { status: 'running' }),
    ];
    const first = listedSessions(records, undefined, ENDED_PAGE);
    assert.equal(first.shown.length, 3 + ENDED_PAGE + 1);
    assert.equal(first.moreEnded, 7);
    assert.ok(first.shown.some((record) => record.name === 'live-late'), 'a live session past the page still shows');
    assert.equal(first.shown.at(-2)?.name, `done-${ENDED_PAGE - 1}`, 'the ended ones in the order given');
    assert.equal(listedSessions(records, undefined, 2 * ENDED_PAGE).moreEnded, 0);
    const filtered = listedSessions(records, parseFilter('done-1'), ENDED_PAGE);
    assert.deepEqual([filtered.shown.length, filtered.moreEnded], [11, 0], 'the page counts only what the filter keeps');
  });
});
