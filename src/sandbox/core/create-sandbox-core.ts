import type { Clock } from '../../limits/clock.ts';
import { isCountryId } from '../catalog/countries.ts';
import { isServiceId } from '../catalog/offers.ts';
import { handleControlRequest } from '../control/control-routes.ts';
import { handleApiRequest } from './api-pipeline.ts';
import type { SandboxCore } from './core-types.ts';
import { deliverSms, normalizePhoneNumber } from './deliver-sms.ts';
import { parseFaults } from './faults.ts';
import { settleExpired } from './lifecycle.ts';
import { errorReply } from './responses.ts';
import { SANDBOX_RULES } from './sandbox-rules.ts';
import { buildState } from './state-snapshot.ts';
import { createVirtualClock } from './virtual-clock.ts';
import { createWorld, resetWorld } from './world.ts';

/** Options of {@link createSandboxCore}. */
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

/** Create a sandbox core. Nothing listens; see `startSandbox` for the HTTP server. */
export function createSandboxCore(options: SandboxCoreOptions = {}): SandboxCore {
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

  const core: SandboxCore = {
    timeScale: clock.timeScale,
    now: () => clock.now(),
    handle(request) {
      // One instant per request: expiry, timestamps and the rate window all see the same time.
      const nowMs = clock.now();
      settleExpired(world, nowMs);
      const url = new URL(request.url, 'http://sandbox.invalid');
      const path = url.pathname.replace(/\/+$/, '') || '/';
      if (path === '/api/v1' || path.startsWith('/api/v1/')) {
        return handleApiRequest(world, request, path.slice('/api/v1'.length), url.searchParams, nowMs);
      }
      if (path === '/sandbox' || path.startsWith('/sandbox/')) {
        return handleControlRequest(core, request, path);
      }
      return errorReply('ResourceNotFoundException', `Nothing at ${path}; the API is under /api/v1`);
    },
    deliverSms(to, text) {
      settleExpired(world);
      const digits = normalizePhoneNumber(to);
      return digits === undefined ? undefined : deliverSms(world, digits, text);
    },
    state() {
      settleExpired(world);
      return buildState(world);
    },
    reset() {
      resetWorld(world);
    },
    setFaults(faults) {
      const parsed = parseFaults(faults);
      if ('error' in parsed) throw new RangeError(parsed.error);
      world.faults = parsed.faults;
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
