import { ERROR_NAMES, type ErrorName } from '../../api/error-names.ts';
import type { ErrorBody } from '../../api/wire-types.ts';
import type { CoreReply } from './core-types.ts';

const JSON_TYPE = 'application/json; charset=utf-8';

/** A JSON answer. */
export function jsonReply(status: number, value: unknown): CoreReply {
  return { kind: 'reply', status, headers: { 'content-type': JSON_TYPE }, body: JSON.stringify(value) };
}

/**
 * An API error answer: the HTTP status always comes from ERROR_NAMES, so the sandbox and the
 * client's classification cannot drift apart.
 */
export function errorReply(
  errorName: ErrorName,
  errorMessage: string,
  extra: { newPrice?: number } = {},
): CoreReply {
  const body: ErrorBody = { errorName, errorMessage, ...extra };
  return jsonReply(ERROR_NAMES[errorName].status, body);
}

/** An HTML answer. */
export function htmlReply(status: number, html: string): CoreReply {
  return { kind: 'reply', status, headers: { 'content-type': 'text/html; charset=utf-8' }, body: html };
}

/** Parse a JSON request body that must be an object; undefined when it is not. */
export function parseJsonObject(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
