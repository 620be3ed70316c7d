import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeRecordTag, decodeStateTag, encodeRecordTag, encodeStateTag, tagCommands, TaggedRecord } from '../../src/core/tmux/sessionTags';
import { recordFromTag, taggedRecordOf, workspaceKeyOf } from '../../src/core/sessions/recordTags';

const tag: TaggedRecord = {
  v: 1,
  id: '3f1c0b7e-1111-4c2a-9d1e-aa00bb11cc22',
  name: 'review-1',
  model: 'sonnet',
  cwd: '/home/me/it\'s "a" project;#{x}',
  prompt: 'Résumé des changements — 日本語 \u0007 $(rm -rf /) ; tab\there',
  promptBytes: 80,
  jobSlug: 'nightly',
  permissionMode: 'bypassPermissions',
  agentKind: 'claude',
  agentCommand: 'claude',
  agentVersion: '2.1.197',
  createdAt: 1795937916000,
  idleLimitMs: 300_000,
  claudeSessionId: '3f1c0b7e-1111-4c2a-9d1e-aa00bb11cc22',
  runs: 2,
  resumedAt: 1795937999000,
};

describe('session tags', () => {
  it('hold a record as ASCII JSON with no separator or newline, and give it back whole', () => {
    const text = encodeRecordTag(tag);
    assert.match(text, /^[\x20-\x7e]+$/, 'printable ASCII only: tmux prints option values as they are');
    assert.deepEqual(decodeRecordTag(text), tag);
    assert.deepEqual(decodeRecordTag(`${text}\n`), tag, 'a trailing newline from show-options');
  });

  it('hold a published state with its cost exactly, sub-cent costs too', () => {
    for (const costUsd of [undefined, 0, 0.000336, 0.0000004, 1.5, 12.3456789]) {
      assert.deepEqual(decodeStateTag(encodeStateTag({ status: 'waiting', costUsd })), { status: 'waiting', costUsd }, String(costUsd));
    }
    assert.equal(decodeStateTag('idle 0.0003'.concat('\n'))?.costUsd, 0.0003, 'as an earlier version wrote it');
    for (const text of ['', 'Idle', 'idle -1', 'idle 1e5', 'idle $0.01']) assert.equal(decodeStateTag(text), undefined, text);
  });

  it('refuse what is not a record of theirs', () => {
    for (const text of ['', 'not json', '[]', 'null', '{"v":2,"id":"x"}', JSON.stringify({ ...tag, name: 3 }), JSON.stringify({ ...tag, createdAt: 'today' })]) {
      assert.equal(decodeRecordTag(text), undefined, text);
    }
    assert.equal(decodeRecordTag(JSON.stringify({ ...tag, runs: 0 }))?.runs, 1, 'a run count that makes no sense is the first run');
  });

  it('are set on the session\'s pane target, which tmux 3.3a finds right after new-session', () => {
    const commands = tagCommands('review-1', 'ws', tag);
    assert.deepEqual(commands.map((c) => c.slice(0, 4)), [
      ['set-option', '-t', '=review-1:', '@instar-id'],
      ['set-option', '-t', '=review-1:', '@instar-ws'],
      ['set-option', '-t', '=review-1:', '@instar-run'],
      ['set-option', '-t', '=review-1:', '@instar-record'],
    ]);
  });

  it('rebuild a record that says where it came from, and keep what a tag can hold of a long prompt', () => {
    const record = recordFromTag(tag, 'instar', 'web-3f2a/review-1', 1795938000000);
    assert.equal(record.status, 'starting');
    assert.equal(record.statusSignal, 'reconcile');
    assert.equal(record.tmuxSession, 'web-3f2a/review-1', "tmux's name for it, not the tag's name");
    assert.equal(record.name, 'review-1');
    assert.equal(record.runs, 2);
    assert.equal(recordFromTag({ ...tag, adopted: true }, 'instar', 'review-1', 0).status, 'running', 'an adopted session has no hooks to say it started');
    const long = taggedRecordOf({ ...record, prompt: 'x'.repeat(5000), promptBytes: 5000 });
    assert.equal(long.prompt.length, 200);
    assert.equal(long.promptBytes, 5000);
  });

  it('name one workspace per state folder unless given', () => {
    assert.equal(workspaceKeyOf({ stateDir: '/a' }), workspaceKeyOf({ stateDir: '/a' }));
    assert.notEqual(workspaceKeyOf({ stateDir: '/a' }), workspaceKeyOf({ stateDir: '/b' }));
    assert.equal(workspaceKeyOf({ stateDir: '/a', workspaceKey: 'k' }), 'k');
  });
});
