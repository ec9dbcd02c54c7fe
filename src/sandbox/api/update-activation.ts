import type { Response200 } from '../../api/wire-types.ts';
import { isLive, isRetryAvailable } from '../core/lifecycle.ts';
import { errorReply, jsonReply, parseJsonObject } from '../core/responses.ts';
import type { ApiHandler } from './api-handler.ts';
import { findOwnActivation, isReply } from './find-own-activation.ts';

/**
 * `PUT /activations/{id}` `{"status":"retry"}` → `{"result":"success"}`: ask for another SMS on
 * the same number. Allowed before expiry after an SMS (smsReceived / retryReceived); the previous
 * SMS can no longer be read afterwards (reference §2). Expired → 410 `GoneException`; any other
 * state → 409 `ResourceBadStateException`. Retry is free and does not extend the lifetime.
 */
export const updateActivation: ApiHandler = (context) => {
  const body = parseJsonObject(context.body);
  if (body?.status !== 'retry') {
    return errorReply('InvalidRequestParamsException', 'Body must be {"status":"retry"}');
  }
  const found = findOwnActivation(context);
  if (isReply(found)) return found;
  if (!isLive(found)) {
    return errorReply('GoneException', `Activation ${found.id} has expired (${found.status})`);
  }
  if (!isRetryAvailable(found)) {
    return errorReply(
      'ResourceBadStateException',
      `Activation ${found.id} is ${found.status}; a retry needs a received SMS`,
    );
  }
  found.status = 'retryRequested';
  found.message = '';
  found.code = '';
  const result: Response200 = { result: 'success' };
  return jsonReply(200, result);
};
