import { isWaiting } from './lifecycle.ts';
import { extractSmsCode } from './sms-code.ts';
import type { World } from './world.ts';

/**
 * The digits of a number written as digits or +E.164 (spaces, dashes, dots and brackets allowed
 * for readability); undefined when it is not a phone number.
 */
export function normalizePhoneNumber(to: string): string | undefined {
  if (!/^\+?[\d\s().-]+$/.test(to)) return undefined;
  const digits = to.replace(/\D/g, '');
  return digits.length >= 6 && digits.length <= 15 ? digits : undefined;
}

/**
 * The carrier: deliver `text` to the activation that holds `digits` and is waiting for an SMS
 * (smsRequested → smsReceived, retryRequested → retryReceived). Undefined when no live,
 * waiting activation holds the number — an SMS to a number that is no longer leased is lost, as
 * with a real carrier. Call `settleExpired` first so an expired number gets nothing.
 */
export function deliverSms(world: World, digits: string, text: string): { activationId: number } | undefined {
  const record = world.activations.find((a) => isWaiting(a) && String(a.phone.number) === digits);
  if (!record) return undefined;
  record.status = record.status === 'retryRequested' ? 'retryReceived' : 'smsReceived';
  record.message = text;
  record.code = extractSmsCode(text);
  record.smsReceived = true;
  world.sms.push({
    activationId: record.id,
    to: digits,
    text,
    deliveredAtMs: world.clock.now(),
    deliveredAtRealMs: world.wallNow(),
  });
  return { activationId: record.id };
}
