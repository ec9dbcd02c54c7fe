/**
 * Plain text for people: tables, fields, ages and money, and "did you mean …?".
 */
// Money reads the same in the CLI, the preflight and the reporter; commands import it from here.
export { formatUsd } from '../contract/money.ts';

/*
 * Plain-text tables for human output: left-aligned text, right-aligned numbers, two spaces
 * between columns, no borders — so output stays readable in a terminal and greppable in CI logs.
 */

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

/*
 * "Did you mean …?" for flags, service ids and country ids: the candidates within a small edit
 * distance of what was typed, closest first.
 */

/**
 * Up to `max` candidates at most `maxDistance` edits from `input` (case-insensitive), closest
 * first. Short inputs allow one edit only: every two-letter country id is two edits from any other.
 */
export function closestNames(
  input: string,
  candidates: Iterable<string>,
  max = 3,
  maxDistance = input.length <= 3 ? 1 : 2,
): string[] {
  const needle = input.toLowerCase();
  return [...new Set(candidates)]
    .map((name) => ({ name, distance: editDistance(needle, name.toLowerCase()) }))
    .filter((c) => c.distance <= maxDistance)
    .sort((a, b) => a.distance - b.distance || a.name.localeCompare(b.name))
    .slice(0, max)
    .map((c) => c.name);
}

/** Levenshtein distance, one row at a time. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
