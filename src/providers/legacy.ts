/**
 * Reading what was written before the provider seam, when every line was TempNumber v1's and
 * kept only the API's status word. Apart from the registry on purpose: the ledger and the
 * reporter load in every test worker, and this needs v1's status table, not any API client.
 */
import type { ActivationState } from '../contract/activation.ts';
import { stateOfV1Status } from './tempnumber-v1/tables.ts';

/** The neutral state of a ledger line or report written before the provider seam. */
export function stateOfLegacyStatus(status: string): ActivationState {
  return stateOfV1Status(status);
}
