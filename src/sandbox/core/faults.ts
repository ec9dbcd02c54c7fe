import type { Random } from './random.ts';

/**
 * Faults injected into `/api/v1` answers (the control surface never fails). Every field is
 * optional; an empty object clears all faults.
 */
export interface Faults {
  /** Share of requests answered with `errorStatus` and a `ServiceUnavailableException` body (0..1). */
  errorRate?: number;
  /** HTTP status of those answers (400–599). @default 503 */
  errorStatus?: number;
  /** Delay before every answer (or drop), in real milliseconds. */
  latencyMs?: number;
  /** Share of requests whose socket is destroyed without an answer (0..1). */
  dropRate?: number;
  /** Share of requests answered 200 with a body that is not JSON (0..1). */
  malformedRate?: number;
}

/** What happens to one request. */
export type FaultKind = 'drop' | 'error' | 'malformed';

const RATES = ['errorRate', 'dropRate', 'malformedRate'] as const;

/** Validate a `POST /sandbox/faults` body; the error says which field is wrong and why. */
export function parseFaults(input: unknown): { faults: Faults } | { error: string } {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { error: 'Expected a JSON object such as {"errorRate":0.5}' };
  }
  const raw = input as Record<string, unknown>;
  const known = new Set<string>([...RATES, 'errorStatus', 'latencyMs']);
  const unknown = Object.keys(raw).filter((k) => !known.has(k));
  if (unknown.length > 0) return { error: `Unknown fault field(s): ${unknown.join(', ')}` };
  const faults: Faults = {};
  for (const name of RATES) {
    const value = raw[name];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
      return { error: `Expected \`${name}\` to be a number from 0 to 1, got ${JSON.stringify(value)}` };
    }
    faults[name] = value;
  }
  const { errorStatus, latencyMs } = raw;
  if (errorStatus !== undefined) {
    if (!Number.isInteger(errorStatus) || (errorStatus as number) < 400 || (errorStatus as number) > 599) {
      return {
        error: `Expected \`errorStatus\` to be an integer from 400 to 599, got ${JSON.stringify(errorStatus)}`,
      };
    }
    faults.errorStatus = errorStatus as number;
  }
  if (latencyMs !== undefined) {
    if (typeof latencyMs !== 'number' || !Number.isFinite(latencyMs) || latencyMs < 0) {
      return {
        error: `Expected \`latencyMs\` to be a non-negative number, got ${JSON.stringify(latencyMs)}`,
      };
    }
    faults.latencyMs = latencyMs;
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
