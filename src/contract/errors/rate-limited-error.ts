import { ApiError, type RequestInfo } from './api-error.ts';

/**
 * The API answered 429 `TooManyRequestsException`: a request limit was exceeded. `retryAfterMs`
 * is the server's hint (`Retry-After` / `x-ratelimit-reset`) when it sent one.
 */
export class RateLimitedError extends ApiError {
  override name = 'RateLimitedError';
  readonly retryAfterMs: number | undefined;

  constructor(
    init: RequestInfo & {
      status: number;
      errorName: string;
      errorMessage: string;
      retryAfterMs?: number | undefined;
    },
  ) {
    super({
      ...init,
      family: 'rateLimited',
      hint: 'The request budget of this endpoint is used up; the client waits for the window to pass.',
    });
    this.retryAfterMs = init.retryAfterMs;
  }
}
