/**
 * `npm run bench`: runs the benchmark at full size, prints the table and writes
 * bench/results.json. `--smoke` runs it with tiny sizes. `--curve` runs only the rows at 10, 100
 * and 1,000 sessions (the scale rows and their VS Code side) and puts them in bench/results.json
 * in place of the same rows of an earlier run, keeping the others and saying when each part ran.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BenchResult, formatTable, runBench, runCurve } from './bench';

/** The curve's rows of `curve` in place of those of `earlier` (every other row of it kept); `curve.machine` says when they ran. */
function withCurve(earlier: BenchResult, curve: BenchResult): BenchResult & { curve: BenchResult['machine'] } {
  const isCurve = (name: string) => /^(Curve|Growth)\b/.test(name);
  return { ...earlier, curve: curve.machine, rows: [...earlier.rows.filter((row) => !isCurve(row.name)), ...curve.rows] };
}

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
  const curve = process.argv.includes('--curve');
  const result = await (curve ? runCurve : runBench)({
    smoke,
    repo,
    log: (line) => {
      step = line;
      process.stderr.write(`${line}\n`);
    },
  });
  const table = formatTable(result);
  console.log(table);
  const file = join(repo, 'bench', 'results.json');
  if (!smoke) {
    const written = curve && existsSync(file) ? withCurve(JSON.parse(readFileSync(file, 'utf8')) as BenchResult, result) : result;
    writeFileSync(file, `${JSON.stringify(written, null, 2)}\n`);
  }
  finished = true;
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
