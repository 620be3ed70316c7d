/**
 * `npm run bench`: runs the benchmark at full size, prints the table and writes
 * bench/results.json. `--smoke` runs it with tiny sizes.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { formatTable, runBench } from './bench';

async function main(): Promise<void> {
  const repo = resolve(__dirname, '..', '..');
  const smoke = process.argv.includes('--smoke');
  let step = 'start';
  let finished = false;
  // Node ends a process that has nothing left to wait on with code 0, even in the middle of an
  // await: a wait on an event that can no longer come would end the run with no table and no
  // error. Say where instead, and fail.
  process.on('beforeExit', () => {
    if (finished) return;
    console.error(`bench: stopped during "${step}" with nothing left to wait on (an awaited event that no handle can bring); no results written`);
    process.exit(1);
  });
  const result = await runBench({
    smoke,
    repo,
    log: (line) => {
      step = line;
      process.stderr.write(`${line}\n`);
    },
  });
  const table = formatTable(result);
  console.log(table);
  if (!smoke) writeFileSync(join(repo, 'bench', 'results.json'), `${JSON.stringify(result, null, 2)}\n`);
  finished = true;
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
