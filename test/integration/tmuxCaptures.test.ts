/**
 * Several panes' screens in one tmux call (the screen checks of a start with many waiting
 * sessions), on a real tmux server: each capture as `capture-pane` alone prints it, blank lines
 * and an empty screen included; a call that names a pane gone meanwhile fails as a whole, which
 * is why the checks then capture one pane at a time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as tmux from '../../src/core/tmux/commands';
import { splitCaptures } from '../../src/core/tmux/parse';
import { TmuxClient } from '../../src/core/tmux/tmuxClient';
import { ProcessRunner } from '../../src/core/util/commandRunner';
import { silentLogger } from '../../src/core/util/host';
import { cleanupSocket, privateSocket, tmuxOn } from '../support/tmuxServer';
import { waitFor } from '../support/wait';

describe('screens captured together', () => {
  const socket = privateSocket('captures');
  const client = new TmuxClient(new ProcessRunner(), { socket, logger: silentLogger });
  const spec = { history: 0, ansi: false };
  let panes: string[] = [];
  before(async () => {
    const programs = ["printf 'first\\n\\n  second line  \\n'", 'true', "printf '%s\\n' 'a;b' '#{pane_id}' 'instar-capture-x'"];
    programs.forEach((program, i) => tmuxOn(socket, 'new-session', '-d', '-s', `c${i}`, '-x', '80', '-y', '12', `${program}; exec sleep 600`));
    panes = tmuxOn(socket, 'list-panes', '-a', '-F', '#{session_name} #{pane_id}').trim().split('\n').sort().map((line) => line.split(' ')[1]);
    await waitFor('the programs printed', async () => ((await client.run([tmux.capturePane(panes[2], spec)])).includes('instar-capture-x') ? true : undefined), 10_000, 50);
  });
  after(() => cleanupSocket(socket));

  it('gives each pane the text capture-pane alone gives it', async () => {
    const separator = 'instar-capture-7f3a';
    const together = splitCaptures(await client.run(tmux.capturePanes(panes, spec, separator)), separator, panes.length);
    const alone = await Promise.all(panes.map((pane) => client.run([tmux.capturePane(pane, spec)])));
    assert.deepEqual(together, alone);
    assert.match(alone[0], /^first\n\n {2}second line {2}\n/);
    assert.match(alone[2], /^a;b\n#\{pane_id\}\ninstar-capture-x\n/);
  });

  it('says nothing when the output is not what the call asked for', () => {
    assert.equal(splitCaptures('one\nsep\n', 'sep', 2), undefined);
    assert.equal(splitCaptures('one\nsep\ntrailing', 'sep', 1), undefined);
    assert.deepEqual(splitCaptures('one\nsep\n\nsep\n', 'sep', 2), ['one\n', '\n']);
  });

  it('fails as a whole when a pane is gone', async () => {
    tmuxOn(socket, 'kill-session', '-t', '=c1');
    await assert.rejects(client.run(tmux.capturePanes(panes, spec, 'sep')));
  });
});
