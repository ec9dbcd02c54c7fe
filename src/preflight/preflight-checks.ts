/**
 * The checks of `doctor` and of the globalSetup preflight, in the order they run: ONE table.
 * Order matters: the API checks share one balance request and each needs the one before it.
 */
import type { CheckId } from '../contract/preflight-result.ts';
import type { PreflightCheck } from './check-types.ts';
import { apiKeyCheck } from './checks/api-key-check.ts';
import { balanceCheck } from './checks/balance-check.ts';
import { brokerCheck } from './checks/broker-check.ts';
import { browserCheck } from './checks/browser-check.ts';
import { reachableCheck } from './checks/reachable-check.ts';
import { redisCheck } from './checks/redis-check.ts';
import { runtimeDirCheck } from './checks/runtime-dir-check.ts';
import { settingsCheck } from './checks/settings-check.ts';

/** Every check, in run order. */
export const PREFLIGHT_CHECKS: readonly PreflightCheck[] = [
  settingsCheck,
  reachableCheck,
  apiKeyCheck,
  balanceCheck,
  brokerCheck,
  runtimeDirCheck,
  redisCheck,
  browserCheck,
] satisfies ReadonlyArray<PreflightCheck & { id: CheckId }>;
