/**
 * Internal: a successful body that does not have the shape v1 promises; `message` names what is
 * wrong. Never escapes the client — it becomes an UnexpectedResponseError with the request's
 * method, path, status and body.
 */
export class ResponseShapeError extends Error {
  override name = 'ResponseShapeError';
}
