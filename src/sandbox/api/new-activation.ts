import { drawPhoneNumber } from '../catalog/countries.ts';
import type { Offer } from '../catalog/offers.ts';
import type { Account } from '../core/account.ts';
import type { ActivationRecord } from '../core/activation-record.ts';
import type { CoreReply } from '../core/core-types.ts';
import { isLive, isWaiting } from '../core/lifecycle.ts';
import { roundMoney } from '../core/money.ts';
import { errorReply, jsonReply, parseJsonObject } from '../core/responses.ts';
import { SANDBOX_RULES } from '../core/sandbox-rules.ts';
import { toActivationData } from '../core/to-activation-data.ts';
import type { World } from '../core/world.ts';
import type { ApiHandler } from './api-handler.ts';

/**
 * `POST /activations` `{serviceId, countryId, expectedPrice?}` → `ActivationData` in
 * `smsRequested`, price reserved. Checks, in this order (the first that fails answers):
 * 400 bad body → 404 unknown service/country → 429 `lowSuccessRateException` →
 * 429 `TooManyActivationsPendingException` → 503 no numbers → 409 `expectedPriceErrorException`
 * (with `newPrice`) → 402 `paymentRequired`.
 */
export const newActivation: ApiHandler = ({ world, account, body, nowMs }) => {
  const request = parseLeaseRequest(body);
  if ('kind' in request) return request;
  const offer = world.catalog.offer(request.serviceId, request.countryId);
  if (!offer) {
    return errorReply(
      'ResourceNotFoundException',
      `Unknown service ${JSON.stringify(request.serviceId)} or country ${JSON.stringify(request.countryId)}`,
    );
  }
  const refusal = refuseLease(world, account, offer, request.expectedPrice, nowMs);
  if (refusal) return refusal;

  const createdAt = Math.floor(nowMs / 1000);
  const record: ActivationRecord = {
    id: world.nextId++,
    account,
    status: 'smsRequested',
    serviceId: offer.serviceId,
    countryId: offer.countryId,
    phone: drawPhoneNumber(world.numberRandom, offer.countryId, (n) =>
      world.activations.some((a) => isLive(a) && a.phone.number === n),
    ),
    price: offer.price,
    isVirtual: offer.isVirtual,
    createdAt,
    numberExpireAt: createdAt + SANDBOX_RULES.activationLifetimeS,
    message: '',
    code: '',
    smsReceived: false,
  };
  account.balance = roundMoney(account.balance - offer.price);
  world.activations.push(record);
  return jsonReply(200, toActivationData(record, nowMs, world.iconBaseUrl));
};

function parseLeaseRequest(
  body: string,
): { serviceId: string; countryId: string; expectedPrice: number | undefined } | CoreReply {
  const json = parseJsonObject(body);
  if (!json) return errorReply('InvalidRequestParamsException', 'Body must be a JSON object');
  const { serviceId, countryId, expectedPrice } = json;
  if (typeof serviceId !== 'string' || serviceId === '') {
    return errorReply('InvalidRequestParamsException', 'serviceId is required (a string such as "facebook")');
  }
  if (typeof countryId !== 'string' || countryId === '') {
    return errorReply('InvalidRequestParamsException', 'countryId is required (a string such as "us")');
  }
  if (expectedPrice !== undefined && (typeof expectedPrice !== 'number' || !(expectedPrice >= 0))) {
    return errorReply('InvalidRequestParamsException', 'expectedPrice must be a non-negative number');
  }
  return { serviceId, countryId, expectedPrice };
}

/** The answer that refuses this lease, or undefined when it may go ahead. */
function refuseLease(
  world: World,
  account: Account,
  offer: Offer,
  expectedPrice: number | undefined,
  nowMs: number,
): CoreReply | undefined {
  const rule = SANDBOX_RULES.deliveryRule;
  const since = (nowMs - rule.windowMs) / 1000;
  const recent = world.activations.filter(
    (a) =>
      a.account === account &&
      a.serviceId === offer.serviceId &&
      a.countryId === offer.countryId &&
      a.createdAt > since,
  );
  const delivered = recent.filter((a) => a.smsReceived).length;
  if (recent.length >= rule.minActivations && delivered / recent.length < rule.minSuccessRatio) {
    return errorReply(
      'lowSuccessRateException',
      `Low success rate: ${delivered} of the last ${recent.length} ${offer.serviceId}/${offer.countryId} activations received an SMS`,
    );
  }
  const pending = world.activations.filter((a) => a.account === account && isWaiting(a)).length;
  if (pending >= SANDBOX_RULES.pendingCap) {
    return errorReply('TooManyActivationsPendingException', `Too many activations pending (${pending})`);
  }
  if (!offer.hasNumbers) {
    return errorReply(
      'ServiceUnavailableException',
      `No numbers available for ${offer.serviceId} in ${offer.countryId} right now`,
    );
  }
  if (expectedPrice !== undefined && offer.price > expectedPrice) {
    return errorReply('expectedPriceErrorException', `Price has changed to ${offer.price}`, {
      newPrice: offer.price,
    });
  }
  if (account.balance < offer.price) {
    return errorReply('paymentRequired', `Balance ${account.balance} is below the price ${offer.price}`);
  }
  return undefined;
}
