import type { ActivationsHistory } from '../../api/wire-types.ts';
import { errorReply, jsonReply } from '../core/responses.ts';
import { SANDBOX_RULES } from '../core/sandbox-rules.ts';
import { toActivationData } from '../core/to-activation-data.ts';
import type { ApiHandler } from './api-handler.ts';

/** A positive integer query parameter, its default when absent, or undefined when invalid. */
function positiveInt(raw: string | null, fallback: number): number | undefined {
  if (raw === null) return fallback;
  return /^\d{1,9}$/.test(raw) && Number(raw) >= 1 ? Number(raw) : undefined;
}

/**
 * `GET /activations?page&limit` → `ActivationsHistory` of the caller's account, newest first,
 * `limit` at most 100 (reference "Decisions": history order and limit). A page past the end is
 * an empty list, not an error.
 */
export const getActivationsHistory: ApiHandler = ({ world, account, query, nowMs }) => {
  const { defaultLimit, maxLimit } = SANDBOX_RULES.history;
  const page = positiveInt(query.get('page'), 1);
  const limit = positiveInt(query.get('limit'), defaultLimit);
  if (page === undefined) {
    return errorReply(
      'InvalidRequestParamsException',
      `page must be a positive integer, got ${query.get('page')}`,
    );
  }
  if (limit === undefined || limit > maxLimit) {
    return errorReply(
      'InvalidRequestParamsException',
      `limit must be an integer from 1 to ${maxLimit}, got ${query.get('limit')}`,
    );
  }
  // Ids grow with creation time, so "newest first" is "highest id first".
  const own = world.activations.filter((a) => a.account === account).sort((a, b) => b.id - a.id);
  const history: ActivationsHistory = {
    activations: own
      .slice((page - 1) * limit, page * limit)
      .map((a) => toActivationData(a, nowMs, world.iconBaseUrl)),
    page,
    limit,
    pages: Math.ceil(own.length / limit),
    total: own.length,
  };
  return jsonReply(200, history);
};
