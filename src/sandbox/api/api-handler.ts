import type { Account } from '../core/account.ts';
import type { CoreReply } from '../core/core-types.ts';
import type { World } from '../core/world.ts';

/** What an `/api/v1` handler gets: the request, already authenticated and within its rate limit. */
export interface ApiContext {
  world: World;
  /** The account of the request's `x-api-key`. */
  account: Account;
  /** Captured path segments (`id`, `serviceId`, `countryId`). */
  params: Readonly<Record<string, string>>;
  query: URLSearchParams;
  headers: Readonly<Record<string, string | undefined>>;
  body: string;
  /** API clock, unix ms, for this request. */
  nowMs: number;
}

/** One endpoint of the API: a value in the route table, not a method on a server. */
export type ApiHandler = (context: ApiContext) => CoreReply;
