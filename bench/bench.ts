/**
 * `npm run bench`: the speed and memory figures of issues 11 and 12, measured side by side in one run on this
 * machine and printed as ONE table: each figure beside its anchor (a bare ffmpeg, nginx, a bare node:http + pg
 * server), its target and a pass or fail mark. Ratios, because absolute figures vary between machines and ratios
 * much less. Run it on an idle machine: a loaded one lowers the ratios (the table's first line shows the load).
 *
 *   npm run bench                          every part (about 25 minutes on 2 cores)
 *   npm run bench -- --only pipeline,range  some parts: pipeline, checks, pages, memory (bench/pipeline.ts, the
 *                                           checks' budget in bench/checks.ts), range, board, load (bench/serving.ts);
 *                                           --serving = range,board,load; --checks = checks
 *   npm run bench -- --quick               shorter clips and runs, for a smoke test (figures not comparable)
 *   npm run bench -- --rounds 3            rounds in turn: the pipeline's timings (default 1), the checks' (default 3)
 *   npm run bench -- --verbose             the workers' own log lines
 *
 * Exits 1 when a figure is short of its target (or a part fails), so it can gate a release on an idle machine.
 */
import os from 'node:os';
import { pipelineBench, type PipelinePart } from './pipeline.js';
import { servingBench, type ServingPart } from './serving.js';
import { printTable, type Row } from './table.js';

const PIPELINE: PipelinePart[] = ['pipeline', 'checks', 'pages', 'memory'];
const SERVING: ServingPart[] = ['range', 'board', 'load'];
type Part = PipelinePart | ServingPart;

function chosenParts(argv: string[]): Set<Part> {
  const all: Part[] = [...PIPELINE, ...SERVING];
  const only = argv.find((a) => a.startsWith('--only'));
  const listed = only?.includes('=') ? only.split('=')[1] : only ? argv[argv.indexOf(only) + 1] : undefined;
  if (argv.includes('--serving')) return new Set(SERVING);
  if (argv.includes('--checks')) return new Set<Part>(['checks']);
  if (!listed) return new Set(all);
  const parts = listed.split(',').map((p) => p.trim()) as Part[];
  const unknown = parts.filter((p) => !all.includes(p));
  if (unknown.length) throw new Error(`unknown part ${unknown.join(', ')}: the parts are ${all.join(', ')}`);
  return new Set(parts);
}

async function main() {
  const argv = process.argv.slice(2);
  const parts = chosenParts(argv);
  const quick = argv.includes('--quick');
  const roundsArg = argv.indexOf('--rounds');
  const roundsGiven = roundsArg >= 0 ? Math.max(1, Number(argv[roundsArg + 1]) || 1) : undefined;
  const loadBefore = os.loadavg();
  const rows: Row[] = [];
  const pipelineParts = new Set(PIPELINE.filter((p) => parts.has(p)));
  if (pipelineParts.size) rows.push(...(await pipelineBench({ quick, parts: pipelineParts, rounds: roundsGiven ?? 1, checkRounds: roundsGiven ?? 3, verbose: argv.includes('--verbose') })));
  const servingParts = new Set(SERVING.filter((p) => parts.has(p)));
  if (servingParts.size) rows.push(...(await servingBench({ quick, parts: servingParts })));
  const passed = printTable(rows, loadBefore);
  process.exit(passed ? 0 : 1);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
