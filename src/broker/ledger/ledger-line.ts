/**
 * Reading one ledger line back into an {@link ActivationRecord}. JSON drops `undefined`
 * fields, so optional fields come back as explicit `undefined` here; anything that is not a
 * record (a torn line after a crash, a hand edit) is rejected rather than trusted.
 */
import type { ActivationRecord, Outcome } from '../protocol.ts';

const OUTCOMES: ReadonlySet<string> = new Set<Outcome>(['waiting', 'finalized', 'cancelled', 'unknown']);

/** The record on `line`, or undefined when the line is empty or not a ledger record. */
export function parseLedgerLine(line: string): ActivationRecord | undefined {
  if (line.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const strings = ['number', 'service', 'country', 'status', 'owner', 'leasedAt', 'expiresAt'] as const;
  if (typeof v.id !== 'number' || typeof v.price !== 'number') return undefined;
  if (!strings.every((key) => typeof v[key] === 'string')) return undefined;
  if (typeof v.outcome !== 'string' || !OUTCOMES.has(v.outcome)) return undefined;
  return {
    id: v.id,
    number: v.number as string,
    service: v.service as string,
    country: v.country as string,
    price: v.price,
    status: v.status as string,
    outcome: v.outcome as Outcome,
    refunded: typeof v.refunded === 'boolean' ? v.refunded : undefined,
    owner: v.owner as string,
    leasedAt: v.leasedAt as string,
    expiresAt: v.expiresAt as string,
    releasedAt: typeof v.releasedAt === 'string' ? v.releasedAt : undefined,
    smsAt: typeof v.smsAt === 'string' ? v.smsAt : undefined,
    ...(v.orphan === true ? { orphan: true as const } : {}),
  };
}

/**
 * Whether `activations` lists the record: every activation, and a lease intent only while its
 * outcome is open — a closed intent is bookkeeping (its number, if any, has its own record).
 */
export function isListed(record: ActivationRecord): boolean {
  return record.id > 0 || record.outcome === 'unknown';
}
