/**
 * `npm run bench`: runs the benchmark at full size, prints the table and writes
 * bench/results.json. `--smoke` runs it with tiny sizes.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BenchResult, runBench } from './bench';

export function formatTable(result: BenchResult): string {
  const header = ['row', 'ours', 'baseline', 'ratio', 'target', 'met'];
  const lines = result.rows.map((row) => [row.name, `${row.ours} ${row.unit}`, `${row.baseline} ${row.unit}`, `${row.ratio}×`, row.target, row.met ? 'yes' : 'NO']);
  const widths = header.map((_, column) => Math.max(header[column].length, ...lines.map((line) => line[column].length)));
  const format = (cells: string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
  const machine = result.machine;
  return [
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.tmux}, ${machine.date}${result.smoke ? ' (smoke sizes)' : ''}`,
    '',
    format(header),
    `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`,
    ...lines.map(format),
    '',
    ...result.rows.filter((row) => row.detail).map((row) => `- ${row.name}: ${row.detail}`),
  ].join('\n');
}

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
