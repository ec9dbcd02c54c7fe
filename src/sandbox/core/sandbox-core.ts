/**
 * The sandbox core: a world on an API clock, a gateway, and the route tables it was handed. It
 * sends a request to the table whose prefix it falls under — API tables through the gateway, the
 * control table straight — and offers the control methods the control table and `startSandbox`
 * drive. It imports no table: which API it imitates is decided by whoever creates it.
 */

import type { Clock } from '../../limits/clock.ts';
import type { BucketId } from '../../limits/rate-limits.ts';
import type { ActivationData } from '../../providers/tempnumber-v1/wire.ts';
import { COUNTRIES, isCountryId } from '../catalog/countries.ts';
import { isServiceId, SERVICES } from '../catalog/offers.ts';
import { createGateway, type Gateway, handleApiRequest, parseFaults, resetGateway } from './gateway.ts';
import type { ApiRouteTable, ControlRouteTable, SandboxCore, SandboxState } from './route-table.ts';
import {
  createVirtualClock,
  createWorld,
  deliverSms,
  isRetryAvailable,
  normalizePhoneNumber,
  resetWorld,
  SANDBOX_RULES,
  settleExpired,
  type World,
  type WorldActivation,
} from './world.ts';

/** Options of a sandbox core. */
export interface SandboxCoreOptions {
  /** Valid API keys; each is its own account. @default ['sandbox'] */
  apiKeys?: readonly string[];
  /** Starting balance of every account, USD. @default 1000 */
  balance?: number;
  /** API milliseconds per real millisecond. @default 1 */
  timeScale?: number;
  /** Seed of the phone numbers and fault draws. @default 1 */
  seed?: number;
  /** Real monotonic time source the API clock is derived from (tests pass a manual clock). */
  clock?: Clock;
  /** API time at start, unix ms. @default Date.now() */
  startMs?: number;
  /** Real wall-clock time for `deliveredAtRealMs`. @default Date.now */
  wallNow?: () => number;
  /** `iconBaseUrl` of activations and services. @default '/sandbox/icons/' */
  iconBaseUrl?: string;
  /**
   * Id of the first activation; later ones count up by one, across resets too. Pass it only for
   * deterministic tests: the default never repeats an id an earlier sandbox (in this process or
   * another, on the same port after a restart) can have handed out, which is what keeps a
   * broker's on-disk ledger from refusing the next run's leases.
   * @default wall-clock ms at start × `SANDBOX_RULES.activationIdsPerMs`, plus 1 ms per sandbox
   * already started in the same millisecond by this process
   * @example 100_001
   */
  firstActivationId?: number;
}

/** The route tables a core runs. */
export interface SandboxTables {
  /** The API dialects, each under its own prefix; the first words the answer for an unknown path. */
  apis: readonly [ApiRouteTable, ...ApiRouteTable[]];
  control: ControlRouteTable;
}

/** Create a core running `tables`. Nothing listens; see `startSandbox` for the HTTP server. */
export function createCore(tables: SandboxTables, options: SandboxCoreOptions = {}): SandboxCore {
  const apiKeys = options.apiKeys ?? ['sandbox'];
  if (apiKeys.length === 0 || apiKeys.some((k) => typeof k !== 'string' || k === '')) {
    throw new RangeError('Expected `apiKeys` to be a non-empty list of non-empty strings');
  }
  const balance = options.balance ?? 1000;
  assertUsd('balance', balance);
  const seed = options.seed ?? 1;
  if (!Number.isInteger(seed)) throw new RangeError(`Expected \`seed\` to be an integer, got ${seed}`);
  const { firstActivationId = freshFirstActivationId() } = options;
  if (!Number.isSafeInteger(firstActivationId) || firstActivationId <= 0) {
    throw new RangeError(
      `Expected \`firstActivationId\` to be a positive safe integer, got ${JSON.stringify(firstActivationId)}`,
    );
  }
  const clock = createVirtualClock({
    timeScale: options.timeScale ?? 1,
    ...(options.clock ? { realClock: options.clock } : {}),
    ...(options.startMs === undefined ? {} : { startMs: options.startMs }),
  });
  const world = createWorld({
    clock,
    seed: { apiKeys: [...new Set(apiKeys)], balance, seed },
    iconBaseUrl: options.iconBaseUrl ?? '/sandbox/icons/',
    wallNow: options.wallNow ?? Date.now,
    firstActivationId,
  });
  assertTables(tables);
  const buckets = [...new Set(tables.apis.flatMap((table) => Object.keys(table.limits)))];
  const gateway = createGateway(buckets, seed);
  const { apis, control } = tables;
  const [firstApi] = apis;

  const core: SandboxCore = {
    timeScale: clock.timeScale,
    now: () => clock.now(),
    handle(request) {
      // One instant per request: expiry, timestamps and the rate window all see the same time.
      const nowMs = clock.now();
      settleExpired(world, nowMs);
      const url = new URL(request.url, 'http://sandbox.invalid');
      const path = url.pathname.replace(/\/+$/, '') || '/';
      const api = apis.find((table) => isUnder(path, table.prefix));
      if (api) {
        const relative = path.slice(api.prefix.length);
        return handleApiRequest(world, gateway, api, request, relative, url.searchParams, nowMs);
      }
      if (isUnder(path, control.prefix)) {
        const route = `${request.method} ${path}`;
        const controlRoute = Object.hasOwn(control.routes, route) ? control.routes[route] : undefined;
        return controlRoute ? controlRoute(core, request) : control.notFound(`No control route ${route}`);
      }
      const under = apis.map((table) => table.prefix).join(' and ');
      return firstApi.refusals.notFound(`Nothing at ${path}; the API is under ${under}`);
    },
    deliverSms(to, text) {
      settleExpired(world);
      const digits = normalizePhoneNumber(to);
      return digits === undefined ? undefined : deliverSms(world, digits, text);
    },
    state() {
      settleExpired(world);
      return buildState(world, gateway);
    },
    reset() {
      resetWorld(world);
      resetGateway(gateway);
    },
    setFaults(faults) {
      const parsed = parseFaults(faults);
      if ('error' in parsed) throw new RangeError(parsed.error);
      gateway.faults = parsed.faults;
    },
    setPrice(serviceId, countryId, price) {
      if (!isServiceId(serviceId)) throw new RangeError(`Unknown service ${JSON.stringify(serviceId)}`);
      if (!isCountryId(countryId)) throw new RangeError(`Unknown country ${JSON.stringify(countryId)}`);
      assertUsd('price', price);
      world.catalog.setPrice(serviceId, countryId, price);
    },
    setBalance(apiKey, usd) {
      const account = world.accounts.get(apiKey);
      // Never echo the key: it may be a real one passed by mistake.
      if (!account) throw new RangeError('Unknown API key: the sandbox was not started with it');
      assertUsd('balance', usd);
      account.balance = usd;
    },
  };
  return core;
}

/**
 * Refuse tables the core could not run: a route whose bucket has no limit, or two tables under
 * one prefix (the second would never be reached).
 */
function assertTables({ apis, control }: SandboxTables): void {
  const prefixes = [...apis.map((table) => table.prefix), control.prefix];
  const twice = prefixes.find((prefix, i) => prefixes.indexOf(prefix) !== i);
  if (twice !== undefined) throw new RangeError(`Two route tables are mounted at ${twice}`);
  for (const table of apis) {
    const unlimited = table.routes.find((route) => !Object.hasOwn(table.limits, route.bucket));
    if (unlimited) {
      throw new RangeError(
        `Route ${unlimited.method} ${table.prefix}${unlimited.path} names bucket ${JSON.stringify(unlimited.bucket)}, which has no limit`,
      );
    }
  }
}

/** Is `path` the prefix itself or below it? */
function isUnder(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}

/**
 * An activation as `ActivationData`: the shape the state shows (pinned to TempNumber v1's wire
 * object, which is what tests assert on) and the v1 dialect answers with. Every field is there,
 * as the PHP client's tests expect them on every answer (ints, float price, strings for
 * message/code even when empty).
 */
export function toActivationData(
  record: WorldActivation,
  nowMs: number,
  iconBaseUrl: string,
): ActivationData {
  return {
    id: record.id,
    status: record.status,
    countryId: record.countryId,
    countryName: COUNTRIES[record.countryId].name,
    countryIconPath: `countries/${record.countryId}.svg`,
    serviceId: record.serviceId,
    serviceName: SERVICES[record.serviceId].name,
    serviceIconPath: `services/${record.serviceId}.svg`,
    number: record.phone.number,
    countryCode: record.phone.countryCode,
    formatNumber: record.phone.formatNumber,
    nationalNumber: record.phone.nationalNumber,
    message: record.message,
    code: record.code,
    price: record.price,
    createdAt: record.createdAt,
    numberExpireAt: record.numberExpireAt,
    utc: Math.floor(nowMs / 1000),
    retryAvailable: isRetryAvailable(record),
    iconBaseUrl,
    rating: 0,
    reason: 0,
  };
}

/** A deep copy of everything observable (call `settleExpired` first). */
function buildState(world: World, gateway: Gateway): SandboxState {
  const now = world.clock.now();
  const { traffic } = gateway;
  return {
    activations: world.activations.map((r) => ({
      ...toActivationData(r, now, world.iconBaseUrl),
      account: r.account.hash,
    })),
    rateLimited: traffic.rateLimited,
    requests: traffic.requests,
    // Typed by TempNumber's buckets: the shipped sandbox runs the v1 table (see SandboxState).
    requestsByBucket: { ...traffic.requestsByBucket } as Record<BucketId, number>,
    rateLimitedByBucket: { ...traffic.rateLimitedByBucket } as Record<BucketId, number>,
    sms: world.sms.map((s) => ({ ...s })),
    balances: Object.fromEntries([...world.accounts.values()].map((a) => [a.hash, a.balance])),
    faults: { ...gateway.faults },
    timeScale: world.clock.timeScale,
    now,
  };
}

/** Wall-clock ms the id sequence of the latest sandbox of this process was derived from. */
let lastIdStartMs = 0;

/**
 * A first id no earlier sandbox can have reached. The real clock (never an injected one): ids
 * must not repeat across processes, and only the real clock is shared with them. Two sandboxes
 * of this process started in the same millisecond take consecutive milliseconds instead, so
 * each keeps `activationIdsPerMs` ids per millisecond of room below the next one.
 */
function freshFirstActivationId(): number {
  lastIdStartMs = Math.max(Date.now(), lastIdStartMs + 1);
  return lastIdStartMs * SANDBOX_RULES.activationIdsPerMs;
}

function assertUsd(name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`Expected \`${name}\` to be a non-negative number of USD, got ${value}`);
  }
}
