/**
 * Plain-text tables for human output: left-aligned text, right-aligned numbers, two spaces
 * between columns, no borders — so output stays readable in a terminal and greppable in CI logs.
 */

// Money is formatted the same in the CLI and in the preflight lines; commands import it from here.
export { formatUsd } from '../contract/money.ts';

/** One column: its header and whether it holds numbers (right-aligned). */
export interface Column {
  header: string;
  align?: 'left' | 'right';
}

/** Render `rows` under `columns`; a missing cell is empty. Returns lines without a trailing newline. */
export function formatTable(columns: readonly Column[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    columns
      .map((c, i) => {
        const cell = cells[i] ?? '';
        const width = widths[i] ?? 0;
        return c.align === 'right' ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...rows.map(line)].join('\n');
}

/** A duration for "fetched 42 s ago": seconds under two minutes, then minutes. */
export function formatAge(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  return seconds < 120 ? `${seconds} s` : `${Math.round(seconds / 60)} min`;
}

/** `label  value` lines with the values aligned, for one record (balance, a single service). */
export function formatFields(fields: ReadonlyArray<readonly [string, string]>): string {
  const width = Math.max(...fields.map(([label]) => label.length));
  return fields.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n');
}
