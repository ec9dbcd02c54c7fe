import { jsonReply } from '../core/responses.ts';
import { toActivationData } from '../core/to-activation-data.ts';
import type { ApiHandler } from './api-handler.ts';
import { findOwnActivation, isReply } from './find-own-activation.ts';

/** `GET /activations/{id}` → `ActivationData`. */
export const getActivation: ApiHandler = (context) => {
  const found = findOwnActivation(context);
  if (isReply(found)) return found;
  return jsonReply(200, toActivationData(found, context.nowMs, context.world.iconBaseUrl));
};
