/** The benchmark's one table: each figure beside its anchor and its target, with a pass or fail mark. */
import os from 'node:os';

export interface Row {
  measure: string;
  /** The measured values and their anchor, e.g. "912 req/s ÷ 1,010 req/s". */
  measured: string;
  result: string;
  /** "≤ 1.05", "≥ 0.9", "0", or "—" for a figure shown without a target. */
  target: string;
  /** Undefined for a figure without a target. */
  pass?: boolean;
}

export const fixed = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : '—');

/** A ratio row: `a ÷ b` against `≤ limit` or `≥ limit`. */
export function ratioRow(measure: string, a: number, b: number, unit: (x: number) => string, op: '≤' | '≥', limit: number, digits = 2): Row {
  const r = b > 0 ? a / b : NaN;
  const shown = Number(fixed(r, digits));
  return {
    measure,
    measured: `${unit(a)} ÷ ${unit(b)}`,
    result: fixed(r, digits),
    target: `${op} ${limit}`,
    pass: Number.isFinite(r) ? (op === '≤' ? shown <= limit : shown >= limit) : false,
  };
}

/** A row against a ceiling in the figure's own unit. */
export function limitRow(measure: string, measured: string, value: number, shown: string, limit: number, target: string): Row {
  return { measure, measured, result: shown, target, pass: Number.isFinite(value) && value <= limit };
}

export const seconds = (s: number) => `${s.toFixed(2)} s`;
export const perSecond = (x: number) => `${Math.round(x).toLocaleString('en-GB')} req/s`;
export const megabytes = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;

/** Where and when the figures were taken: a loaded machine gives lower ratios, and the table says so. */
export function machineLine(loadBefore: number[]): string {
  const load = os.loadavg();
  return (
    `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC · ${os.cpus().length} cores · node ${process.version} · ` +
    `load average ${loadBefore[0]!.toFixed(1)} at the start, ${load[0]!.toFixed(1)} at the end`
  );
}

export function printTable(rows: Row[], loadBefore: number[]): boolean {
  const mark = (r: Row) => (r.pass === undefined ? '' : r.pass ? '✓' : '✗ FAIL');
  console.log(`\n${machineLine(loadBefore)}\n`);
  console.log('| measure | measured ÷ anchor | result | target | |\n| --- | --- | --- | --- | --- |');
  for (const r of rows) console.log(`| ${r.measure} | ${r.measured} | ${r.result} | ${r.target} | ${mark(r)} |`);
  const failed = rows.filter((r) => r.pass === false).length;
  console.log(failed ? `\n${failed} figure(s) short of their target.` : '\nEvery figure at or past its target.');
  return failed === 0;
}
