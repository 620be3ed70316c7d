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
  const result = await runBench({ smoke, repo, log: (line) => process.stderr.write(`${line}\n`) });
  const table = formatTable(result);
  console.log(table);
  if (!smoke) writeFileSync(join(repo, 'bench', 'results.json'), `${JSON.stringify(result, null, 2)}\n`);
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
