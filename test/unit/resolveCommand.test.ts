import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { installDirs, resolveCommand } from '../../src/core/agent/resolveCommand';
import { isInstarError } from '../../src/core/util/errors';

describe('finding the agent program', () => {
  let root: string;
  let home: string;
  let onPath: string;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'instar-resolve-'));
    home = join(root, 'home');
    onPath = join(root, 'bin');
    await mkdir(join(home, '.local', 'bin'), { recursive: true });
    await mkdir(onPath);
    for (const file of [join(home, '.local', 'bin', 'claude'), join(onPath, 'other')]) {
      await writeFile(file, '#!/bin/sh\n');
      await chmod(file, 0o755);
    }
    await writeFile(join(onPath, 'not-executable'), '');
  });

  after(() => rm(root, { recursive: true, force: true }));

  it('searches PATH first, then where the installers put claude (a host without the shell PATH still finds it)', async () => {
    assert.equal(await resolveCommand('other', onPath, installDirs(home)), join(onPath, 'other'));
    assert.equal(await resolveCommand('claude', onPath, installDirs(home)), join(home, '.local', 'bin', 'claude'));
    assert.equal(await resolveCommand('claude', '', installDirs(home)), join(home, '.local', 'bin', 'claude'), 'an empty PATH');
  });

  it('says where it looked when the program is nowhere, and refuses what is not executable', async () => {
    await assert.rejects(resolveCommand('claude', onPath, [join(root, 'nowhere')]), (error) => isInstarError(error, 'agent-missing') && /not found on PATH nor in .*nowhere/.test((error as Error).message));
    await assert.rejects(resolveCommand('not-executable', onPath, []), (error) => isInstarError(error, 'agent-missing'));
    await assert.rejects(resolveCommand(join(onPath, 'not-executable'), onPath, []), /does not exist or is not executable/);
    assert.equal(await resolveCommand(join(home, '.local', 'bin', 'claude'), '', []), join(home, '.local', 'bin', 'claude'));
  });
});
