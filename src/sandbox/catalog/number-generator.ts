import { pick, type Random } from '../core/random.ts';
import { COUNTRIES, type CountryId } from './countries.ts';

/** A phone number in the shapes `ActivationData` carries. */
export interface PhoneNumber {
  /** Digits with the country code, no `+` (e.g. 18454123223). */
  number: number;
  countryCode: number;
  /** National digits without the country code (e.g. 8454123223). */
  nationalNumber: number;
  /** `+1 845 412 3223`. */
  formatNumber: string;
}

/** Draws as many times as this before giving up on finding a number nobody holds. */
const MAX_DRAWS = 10_000;

/**
 * Draw a realistic number for `countryId` that `isTaken` does not reject (the sandbox passes
 * "held by a live activation", so two live activations never share a number and the carrier
 * knows whom an SMS is for).
 */
export function drawPhoneNumber(
  random: Random,
  countryId: CountryId,
  isTaken: (number: number) => boolean,
): PhoneNumber {
  const plan = COUNTRIES[countryId];
  for (let draw = 0; draw < MAX_DRAWS; draw++) {
    let national: string = pick(random, plan.prefixes);
    if ('nextDigits' in plan) national += pick(random, [...plan.nextDigits]);
    while (national.length < plan.nationalLength) national += String(Math.floor(random() * 10));
    const number = Number(`${plan.callingCode}${national}`);
    if (isTaken(number)) continue;
    const parts: string[] = [];
    let at = 0;
    for (const size of plan.groups) {
      parts.push(national.slice(at, at + size));
      at += size;
    }
    return {
      number,
      countryCode: plan.callingCode,
      nationalNumber: Number(national),
      formatNumber: `+${plan.callingCode} ${parts.join(' ')}`,
    };
  }
  throw new Error(`No free ${countryId} number left after ${MAX_DRAWS} draws`);
}
