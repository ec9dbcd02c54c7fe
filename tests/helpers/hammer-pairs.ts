/**
 * Service+country pairs of the sandbox catalog that have numbers, for hammer loops that each
 * need a pair of their own.
 */
import { PAIRS_WITHOUT_NUMBERS, PRICE_TABLE } from '../../src/sandbox/index.ts';

const PAIRS: ReadonlyArray<readonly [string, string]> = Object.entries(PRICE_TABLE)
  .flatMap(([service, prices]) => Object.keys(prices).map((country) => [service, country] as const))
  .filter(([s, c]) => !PAIRS_WITHOUT_NUMBERS.some(([ps, pc]) => ps === s && pc === c));

/** The `index`-th pair (wrapping around after ~67). */
export function hammerPair(index: number): readonly [string, string] {
  const pair = PAIRS[index % PAIRS.length];
  if (!pair) throw new Error('the sandbox catalog has no pairs');
  return pair;
}
