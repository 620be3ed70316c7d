/** Where an API spawn may run: the workspace's folders (a multi-root workspace's), never outside them. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HttpError } from '../../src/core/http/httpRequest';
import { spawnRequestOf } from '../../src/core/http/spawnBody';

const place = { cwd: '/work/app', folders: ['/work/app', '/work/lib'] };
const cwdOf = (cwd: unknown) => spawnRequestOf({ name: 'a1', prompt: '', cwd }, place).cwd;
const refusal = (cwd: unknown) => {
  try {
    cwdOf(cwd);
  } catch (error) {
    assert.ok(error instanceof HttpError && error.status === 400, String(error));
    return error.message;
  }
  assert.fail(`${JSON.stringify(cwd)} was taken`);
};

describe("a spawn's folder", () => {
  it("is the workspace's first folder unless the body names one", () => {
    assert.equal(cwdOf(undefined), '/work/app');
    assert.equal(cwdOf(null), '/work/app');
    assert.equal(spawnRequestOf({ name: 'a1', prompt: '' }, { cwd: '/solo' }).cwd, '/solo');
  });

  it('may be any folder of the workspace, or a folder inside one', () => {
    assert.equal(cwdOf('/work/lib'), '/work/lib');
    assert.equal(cwdOf('/work/lib/packages/core/'), '/work/lib/packages/core');
    assert.equal(cwdOf('/work/app/./src'), '/work/app/src');
  });

  it('is never outside them, however the path is written, and the refusal names the folders', () => {
    for (const outside of ['/work', '/work/other', '/work/app/../other', '/work/application', '/etc']) {
      assert.match(refusal(outside), /is outside the workspace: it must be one of the workspace's folders \(\/work\/app, \/work\/lib\) or a folder inside one/);
    }
    assert.match(refusal('work/app'), /"cwd" must be an absolute path/);
    assert.match(refusal(42), /"cwd" must be an absolute path.*got 42/);
    assert.match(spawnRequestOfRefusal({ cwd: '/solo' }, '/solo/../x'), /\(\/solo\)/, 'one folder: that one');
  });
});

function spawnRequestOfRefusal(where: { cwd: string }, cwd: string): string {
  try {
    spawnRequestOf({ name: 'a1', prompt: '', cwd }, where);
  } catch (error) {
    return (error as Error).message;
  }
  return '';
}
