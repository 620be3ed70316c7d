/** Both process runners keep one contract: argv only, exit status, output, input, time-out, a missing program. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommandRunner, ExecaRunner, ProcessRunner } from '../../src/core/util/commandRunner';

import { execFileSync } from 'node:child_process';

for (const [name, runner] of [['ProcessRunner (execFile)', new ProcessRunner()], ['ExecaRunner (execa)', new ExecaRunner()]] as [string, CommandRunner][]) {
  describe(name, () => {
    it('passes arguments as they are, never through a shell, and returns the output and status', async () => {
      const result = await runner.run('sh', ['-c', 'printf "%s|" "$@"; exit 3', 'sh', '$(echo no)', 'a b', ';'], {});
      assert.equal(result.exitCode, 3);
      assert.equal(result.stdout, '$(echo no)|a b|;|');
      assert.equal(result.timedOut, false);
    });

    it('feeds standard input, and closes it when there is none', async () => {
      assert.equal((await runner.run('cat', [], { input: 'from stdin\n' })).stdout, 'from stdin\n');
      const closed = await runner.run('cat', [], { timeoutMs: 5000 });
      assert.equal(closed.timedOut, false, 'cat ends at once: its input is closed');
      assert.equal(closed.exitCode, 0);
    });

    it('stops a program at its time-out', async () => {
      const started = performance.now();
      const result = await runner.run('sleep', ['10'], { timeoutMs: 200 });
      assert.equal(result.timedOut, true);
      assert.equal(result.exitCode, undefined);
      assert.ok(performance.now() - started < 5000);
    });

    it('says when the program does not exist', async () => {
      const result = await runner.run('/nonexistent/instar-no-such-program', []);
      assert.equal(result.spawnError?.code, 'ENOENT');
      assert.equal(result.exitCode, undefined);
    });

    it('uses the environment it is given', async () => {
      const result = await runner.run('sh', ['-c', 'printf "%s" "$INSTAR_RUNNER_TEST"'], { env: { PATH: process.env.PATH ?? '', INSTAR_RUNNER_TEST: 'given' } });
      assert.equal(result.stdout, 'given');
    });
  });
}

describe('ExecaRunner (execa) at a time-out', () => {
  // The child never ends by itself: without the group's end the run would never return (the time-out only bounds that failure).
  it("ends the program's children too, whose open output would keep it waiting (a set-up command, a git hook)", { timeout: 30_000 }, async () => {
    const marker = `instar-runner-child-${process.pid}`;
    // The subshell keeps the script's text (and the marker) as its command line, and its output open.
    const result = await new ExecaRunner().run('sh', ['-c', `echo started; (tail -f /dev/null; echo ${marker}) & wait`], { timeoutMs: 300 });
    assert.equal(result.timedOut, true);
    const left = (() => {
      try {
        return execFileSync('pgrep', ['-f', marker], { encoding: 'utf8' }).trim();
      } catch {
        return '';
      }
    })();
    assert.equal(left, '', 'no child left running');
  });
});
