/**
 * What the client's methods resolve to: the wire shapes of wire-types.ts, checked at the edge,
 * with the few normalisations the API's looser variants need (reference "Decisions").
 */
import type { ActivationData, ActivationsHistory } from './wire-types.ts';

/**
 * An activation as the client returns it. Same wire names as {@link ActivationData}, except
 * `code`: always a string when present (the API has sent it as a JSON number), and absent when
 * the server extracted none (absent, null or empty on the wire).
 */
export interface Activation extends Omit<ActivationData, 'code'> {
  code?: string;
}

/**
 * One page of GET /activations. `activations` is always present; the paging numbers are passed
 * through when the server sends them as numbers.
 */
export interface ActivationsHistoryPage extends Partial<Omit<ActivationsHistory, 'activations'>> {
  activations: Activation[];
}
