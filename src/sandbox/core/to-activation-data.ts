import type { ActivationData } from '../../api/wire-types.ts';
import { COUNTRIES } from '../catalog/countries.ts';
import { SERVICES } from '../catalog/offers.ts';
import type { ActivationRecord } from './activation-record.ts';
import { isRetryAvailable } from './lifecycle.ts';

/**
 * The wire shape of an activation: every `ActivationData` field, as the PHP client's tests
 * expect them on every answer (ints, float price, strings for message/code even when empty).
 */
export function toActivationData(
  record: ActivationRecord,
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
