/**
 * Filtering the flattened price list by service and country, and explaining an empty result:
 * an unknown id gets "did you mean" suggestions from the ids the list does contain.
 */
import { closestNames } from './closest-names.ts';
import type { PriceRow } from './prices-cache.ts';

/** `--service` / `--country`, lower-cased (the API's ids are lower-case). */
export interface PriceFilter {
  service?: string;
  country?: string;
}

/** Matching rows: by service, then cheapest first, then country. */
export function filterPrices(rows: readonly PriceRow[], filter: PriceFilter): PriceRow[] {
  return rows
    .filter((r) => filter.service === undefined || r.service.toLowerCase() === filter.service)
    .filter((r) => filter.country === undefined || r.country.toLowerCase() === filter.country)
    .sort(
      (a, b) => a.service.localeCompare(b.service) || a.price - b.price || a.country.localeCompare(b.country),
    );
}

/** Why nothing matched, with what to type instead. */
export function explainNoMatch(rows: readonly PriceRow[], filter: PriceFilter): string {
  const services = new Set(rows.map((r) => r.service.toLowerCase()));
  const countries = new Set(rows.map((r) => r.country.toLowerCase()));
  const problems: string[] = [];
  if (filter.service !== undefined && !services.has(filter.service)) {
    problems.push(unknownId('service', filter.service, services));
  }
  if (filter.country !== undefined && !countries.has(filter.country)) {
    problems.push(unknownId('country', filter.country, countries));
  }
  if (problems.length === 0) {
    return `The price list has no price for service ${JSON.stringify(filter.service)} in country ${JSON.stringify(filter.country)}: TempNumber does not sell it there. Run \`playwright-tempnumber prices --service ${filter.service}\` for the countries that have it.`;
  }
  return problems.join(' ');
}

function unknownId(kind: 'service' | 'country', id: string, known: Set<string>): string {
  const near = closestNames(id, known);
  const sample = [...known].sort().slice(0, 12).join(', ');
  const suggestion = near.length
    ? `Did you mean ${near.join(' or ')}?`
    : `Known ${kind} ids include: ${sample}.`;
  const ids = kind === 'country' ? ' (ISO 3166 alpha-2, lower-case, e.g. us, gb)' : '';
  return `No ${kind} ${JSON.stringify(id)} in the price list${ids}. ${suggestion}`;
}
