/**
 * A neutral activation snapshot stated in TempNumber v1's wire words, translated by the v1
 * provider itself: tests of the broker describe what the real API answers, and the translation
 * they go through is the one the broker uses.
 */

import type { ProviderActivation } from '../../src/providers/provider.ts';
import { toNeutral } from '../../src/providers/tempnumber-v1/provider.ts';
import type { Activation } from '../../src/providers/tempnumber-v1/wire.ts';

/** `fields` as v1 answers them (`id` defaults to 1, `code` may be a number as on the wire). */
export function v1Snapshot(
  fields: Omit<Partial<Activation>, 'code'> & { status: string; code?: string | number },
): ProviderActivation {
  const { code, ...rest } = fields;
  return toNeutral({ id: 1, ...rest, ...(code === undefined ? {} : { code: String(code) }) } as Activation);
}
