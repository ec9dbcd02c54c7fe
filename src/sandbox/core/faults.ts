import type { Random } from './random.ts';

/**
 * Faults injected into `/api/v1` requests (the control surface never fails). They apply to every
 * API endpoint alike. Every field is optional; an empty object clears all faults. Faults combine:
 * a request can be held, then acted on, then delayed, then dropped.
 */
export interface Faults {
  /** Share of requests answered with `errorStatus` and a `ServiceUnavailableException` body (0..1). */
  errorRate?: number;
  /** HTTP status of those answers (400–599). @default 503 */
  errorStatus?: number;
  /**
   * Hold every request this many real milliseconds *before* the sandbox acts on it: a slow server.
   * After the hold the request is carried out (a lease is created, money reserved) even if the
   * client gave up meanwhile, then answered — so a lease can appear after the client's timeout.
   * Counting and the rate window happen on arrival, as at a gateway in front of the slow server.
   */
  holdMs?: number;
  /** Delay every answer (or drop) this many real milliseconds *after* the sandbox acted. */
  latencyMs?: number;
  /** Share of requests whose socket is destroyed without an answer (0..1). */
  dropRate?: number;
  /** Share of requests answered 200 with a body that is not JSON (0..1). */
  malformedRate?: number;
}

/** What happens to one request. */
export type FaultKind = 'drop' | 'error' | 'malformed';

/** How one fault field is validated: what it accepts, said the way the error message says it. */
interface FieldRule {
  accepts(value: number): boolean;
  expected: string;
}

const SHARE: FieldRule = { accepts: (v) => v >= 0 && v <= 1, expected: 'a number from 0 to 1' };
/** Node fires a timer longer than 2^31 - 1 ms at once (with a warning), so longer waits are refused. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const DURATION_MS: FieldRule = {
  accepts: (v) => v >= 0 && v <= MAX_TIMER_MS,
  expected: `a number of milliseconds from 0 to ${MAX_TIMER_MS}`,
};
const ERROR_STATUS: FieldRule = {
  accepts: (v) => Number.isInteger(v) && v >= 400 && v <= 599,
  expected: 'an integer from 400 to 599',
};

/** One rule per field of {@link Faults}: `satisfies` keeps the table and the interface in step. */
const FAULT_FIELDS = {
  errorRate: SHARE,
  errorStatus: ERROR_STATUS,
  holdMs: DURATION_MS,
  latencyMs: DURATION_MS,
  dropRate: SHARE,
  malformedRate: SHARE,
} as const satisfies Record<keyof Faults, FieldRule>;

const isFaultField = (name: string): name is keyof Faults => Object.hasOwn(FAULT_FIELDS, name);

/** Validate a `POST /sandbox/faults` body; the error says which field is wrong and why. */
export function parseFaults(input: unknown): { faults: Faults } | { error: string } {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { error: 'Expected a JSON object such as {"errorRate":0.5}' };
  }
  const raw = input as Record<string, unknown>;
  const unknown = Object.keys(raw).filter((k) => !isFaultField(k));
  if (unknown.length > 0) {
    return {
      error: `Unknown fault field(s): ${unknown.join(', ')}; known: ${Object.keys(FAULT_FIELDS).join(', ')}`,
    };
  }
  const faults: Faults = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined || !isFaultField(name)) continue;
    const rule = FAULT_FIELDS[name];
    if (typeof value !== 'number' || !Number.isFinite(value) || !rule.accepts(value)) {
      return { error: `Expected \`${name}\` to be ${rule.expected}, got ${JSON.stringify(value)}` };
    }
    faults[name] = value;
  }
  return { faults };
}

/**
 * Draw the fault for one request. A rate of 0 draws nothing, so the random sequence (and with
 * it every later draw) does not depend on faults that are switched off.
 */
export function drawFault(faults: Faults, random: Random): FaultKind | undefined {
  if (faults.dropRate && random() < faults.dropRate) return 'drop';
  if (faults.errorRate && random() < faults.errorRate) return 'error';
  if (faults.malformedRate && random() < faults.malformedRate) return 'malformed';
  return undefined;
}
