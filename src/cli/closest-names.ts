/**
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
