import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { EVENT_MAX_AGE_MS, SessionFiles } from '../../src/core/sessions/sessionFiles';
import { HookWatcher } from '../../src/core/status/hookWatcher';
import { silentLogger } from '../../src/core/util/host';

describe('the events folder', () => {
  it('takes engine events beside the hooks\', removes a session\'s but for its removal, and the old ones by age', async () => {
    const root = await mkdtemp(join(tmpdir(), 'instar-files-'));
    try {
      const files = new SessionFiles(root);
      await files.prepare();
      const kill = await files.writeEngineEvent('s-1', 'instar:kill', { engine: 'e' });
      await writeFile(join(files.eventsDir, 's-1.abc123.json'), '{"hook_event_name":"Stop"}');
      await writeFile(join(files.eventsDir, 's-2.def456.json'), '{"hook_event_name":"Stop"}');
      const removal = await files.writeEngineEvent('s-1', 'instar:remove');
      assert.match(kill, /^s-1\.[0-9a-f]{12}\.json$/);
      await files.removeEvents('s-1', (file) => file === removal);
      assert.deepEqual((await readdir(files.eventsDir)).sort(), [removal, 's-2.def456.json'].sort());

      const now = Date.now();
      const old = new Date(now - EVENT_MAX_AGE_MS - 60_000);
      await utimes(join(files.eventsDir, 's-2.def456.json'), old, old);
      assert.equal(await files.pruneEvents(now), 1);
      assert.deepEqual(await readdir(files.eventsDir), [removal]);

      // An ended session's events leave the watched folder, and still reach whoever reads that session.
      await writeFile(join(files.eventsDir, 's-3.aaa111.json'), '{"hook_event_name":"SessionStart"}');
      await writeFile(join(files.eventsDir, 's-3.bbb222.json'), '{"hook_event_name":"Stop"}');
      assert.equal(await files.archiveEvents('s-3'), 2);
      assert.equal(await files.archiveEvents('s-3'), 0, 'a second engine finds nothing left to move');
      assert.deepEqual(await readdir(files.eventsDir), [removal]);
      const watcher = new HookWatcher(files.eventsDir, silentLogger, files.eventArchiveDir);
      assert.deepEqual((await watcher.eventsOf('s-3')).map((event) => event.name).sort(), ['SessionStart', 'Stop']);
      watcher.dispose();
      await utimes(join(files.eventArchiveDir, 's-3'), old, old);
      assert.equal(await files.pruneEvents(now), 2, 'archived, then pruned by age');
      await files.removeEvents('s-1');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
