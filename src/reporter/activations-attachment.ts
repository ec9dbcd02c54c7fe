/**
 * The one channel from the `phone` fixtures to reporters: a JSON attachment per test, added in
 * the test-scoped teardown (worker-scoped teardown runs too late to reach reporters,
 * microsoft/playwright#32982). One file, read by the fixture that writes it and the reporter that
 * reads it, so the two cannot drift apart. Nothing here is secret: no API key, no SMS text.
 */
import { ACTIVATION_STATES, type ActivationRecord } from '../contract/activation.ts';
import { stateOfLegacyStatus } from '../providers/legacy.ts';

/** Name of the attachment every test that used a phone carries. */
export const ACTIVATIONS_ATTACHMENT_NAME = 'tempnumber-activations.json';

/** Content type of {@link ACTIVATIONS_ATTACHMENT_NAME}. */
export const ACTIVATIONS_ATTACHMENT_CONTENT_TYPE = 'application/json';

/** One leased number as the test saw it: the broker's record plus what only the test knows. */
export interface ActivationReport extends ActivationRecord {
  /**
   * Milliseconds from the moment the test started waiting to the moment the SMS was seen, one
   * entry per code received (a `retry()` adds one). Empty when no code arrived.
   */
  codeLatenciesMs: number[];
  /** Milliseconds (real) the lease waited for the shared rate-limit budget. */
  budgetWaitMs: number;
  /** Countries tried before the leased one, with why each was skipped. */
  skippedCountries: Array<{ country: string; reason: string }>;
}

/** Body of the attachment. */
export interface ActivationsAttachment {
  /** Bumped on an incompatible change of this shape. */
  version: 1;
  activations: ActivationReport[];
}

/** Serialize for `testInfo.attach`. */
export function serializeActivationsAttachment(activations: ActivationReport[]): string {
  const body: ActivationsAttachment = { version: 1, activations };
  return JSON.stringify(body, null, 2);
}

/**
 * Read an attachment body back; entries that are not activation reports are dropped rather than
 * trusted (a hand-made attachment with the same name must not break a reporter).
 */
export function parseActivationsAttachment(body: string | Buffer): ActivationReport[] {
  let value: unknown;
  try {
    value = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch {
    return [];
  }
  if (typeof value !== 'object' || value === null) return [];
  const list = (value as { activations?: unknown }).activations;
  if (!Array.isArray(list)) return [];
  return list.filter(isActivationReport).map(normalize);
}

function isActivationReport(value: unknown): value is ActivationReport {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    ((typeof v.id === 'string' && v.id !== '') || Number.isSafeInteger(v.id)) &&
    typeof v.number === 'string' &&
    typeof v.service === 'string' &&
    typeof v.country === 'string' &&
    typeof v.price === 'number' &&
    typeof v.outcome === 'string'
  );
}

// JSON drops `undefined`; give optional fields back their explicit shape.
function normalize(report: ActivationReport): ActivationReport {
  const latencies = Array.isArray(report.codeLatenciesMs) ? report.codeLatenciesMs : [];
  return {
    ...report,
    // An attachment written before the provider seam has integer ids and no neutral state.
    id: String(report.id),
    state: Object.hasOwn(ACTIVATION_STATES, String(report.state))
      ? report.state
      : stateOfLegacyStatus(String(report.status)),
    refunded: typeof report.refunded === 'boolean' ? report.refunded : undefined,
    releasedAt: typeof report.releasedAt === 'string' ? report.releasedAt : undefined,
    smsAt: typeof report.smsAt === 'string' ? report.smsAt : undefined,
    codeLatenciesMs: latencies.filter((n): n is number => typeof n === 'number' && Number.isFinite(n)),
    budgetWaitMs: typeof report.budgetWaitMs === 'number' ? report.budgetWaitMs : 0,
    skippedCountries: Array.isArray(report.skippedCountries) ? report.skippedCountries : [],
  };
}
