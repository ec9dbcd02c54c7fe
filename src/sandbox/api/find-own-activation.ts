import type { ActivationRecord } from '../core/activation-record.ts';
import type { CoreReply } from '../core/core-types.ts';
import { errorReply } from '../core/responses.ts';
import type { ApiContext } from './api-handler.ts';

/**
 * The activation named by the `:id` segment, if it belongs to the caller's account. A
 * non-numeric id is 400 `InvalidRequestParamsException`; another account's activation is 404
 * like an unknown one, so ids reveal nothing about other accounts.
 */
export function findOwnActivation({ world, account, params }: ApiContext): ActivationRecord | CoreReply {
  const raw = params.id ?? '';
  // Up to 16 digits: the sandbox's own ids (wall-clock ms × 1000) have 16 until they pass 2^53.
  const id = /^\d{1,16}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(id)) {
    return errorReply(
      'InvalidRequestParamsException',
      `activation_id must be an integer, got ${JSON.stringify(raw)}`,
    );
  }
  const record = world.activations.find((a) => a.id === id && a.account === account);
  return record ?? errorReply('ResourceNotFoundException', `Activation ${id} not found`);
}

/** Narrow the result of {@link findOwnActivation}. */
export function isReply(value: ActivationRecord | CoreReply): value is CoreReply {
  return 'kind' in value;
}
