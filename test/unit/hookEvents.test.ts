/** Hook payloads captured from each Claude Code version (test/fixtures/hooks/<version>), parsed as the engine does. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseHookPayload, sessionIdOfEventFile } from '../../src/core/status/hookEvents';
import { REPO } from '../support/engineHarness';

const DIR = join(REPO, 'test', 'fixtures', 'hooks');

describe('hook payloads', () => {
  const versions = readdirSync(DIR).filter((name) => /^\d+\.\d+\.\d+$/.test(name));
  const files = versions.flatMap((version) => readdirSync(join(DIR, version)).filter((file) => file.endsWith('.json')).map((file) => join(version, file)));

  it('has a real payload for the events the engine relies on', () => {
    for (const event of ['SessionStart', 'UserPromptSubmit', 'PreToolUse', 'PostToolUse', 'Stop', 'StopFailure', 'Notification', 'SessionEnd']) {
      assert.ok(files.some((file) => file.startsWith(join('2.1.197', event))), `2.1.197/${event}.json`);
    }
  });

  for (const path of files) {
    const file = path.split('/').pop()!;
    it(`parses ${path}`, () => {
      const event = parseHookPayload('sid', readFileSync(join(DIR, path), 'utf8'), 1);
      assert.ok(event, 'a hook payload');
      assert.equal(event.name, file.replace(/[-.].*$/, ''));
      assert.ok(event.claudeSessionId, 'session_id');
      assert.ok(event.transcriptPath?.endsWith('.jsonl'), 'transcript_path');
    });
  }

  it('ignores text that is not a payload and files that are not events', () => {
    assert.equal(parseHookPayload('s', 'not json', 1), undefined);
    assert.equal(parseHookPayload('s', '[1]', 1), undefined);
    assert.equal(parseHookPayload('s', '{"no":"name"}', 1), undefined);
    assert.equal(sessionIdOfEventFile('.abc.tmp'), undefined);
    assert.equal(sessionIdOfEventFile('3f2a-11.AbC9.json'), '3f2a-11');
  });
});
