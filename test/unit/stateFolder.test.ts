/** The engine's state folder is the workspace's own storage folder, whichever extension host asks. */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sharedStateDir } from '../../src/vscode/stateFolder';

describe('sharedStateDir', () => {
  let storage: string;
  before(async () => {
    storage = await mkdtemp(join(tmpdir(), 'instar-storage-'));
    // As VS Code leaves them: the workspace's folder, and the copy a second host got while the first held the lock.
    for (const folder of ['-5f9856d3', '-5f9856d3-2', '0123abcd', 'lonely-3']) await mkdir(join(storage, folder, 'instar.instar-sessions'), { recursive: true });
  });
  after(() => rm(storage, { recursive: true, force: true }));

  it('maps a lock-suffixed copy to the workspace folder every host shares', () => {
    assert.equal(sharedStateDir(join(storage, '-5f9856d3-2', 'instar.instar-sessions')), join(storage, '-5f9856d3', 'instar.instar-sessions'));
  });

  it('keeps the workspace folder itself, and a name ending in digits with no such folder beside it', () => {
    assert.equal(sharedStateDir(join(storage, '-5f9856d3', 'instar.instar-sessions')), join(storage, '-5f9856d3', 'instar.instar-sessions'));
    assert.equal(sharedStateDir(join(storage, '0123abcd', 'instar.instar-sessions')), join(storage, '0123abcd', 'instar.instar-sessions'));
    assert.equal(sharedStateDir(join(storage, 'lonely-3', 'instar.instar-sessions')), join(storage, 'lonely-3', 'instar.instar-sessions'));
  });
});
