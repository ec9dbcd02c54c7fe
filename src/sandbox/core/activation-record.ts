import type { ActivationStatus } from '../../api/activation-statuses.ts';
import type { CountryId, PhoneNumber } from '../catalog/countries.ts';
import type { ServiceId } from '../catalog/offers.ts';
import type { Account } from './account.ts';

/** The sandbox's own record of one activation; {@link toActivationData} turns it into wire JSON. */
export interface ActivationRecord {
  id: number;
  account: Account;
  status: ActivationStatus;
  serviceId: ServiceId;
  countryId: CountryId;
  phone: PhoneNumber;
  /** USD reserved at lease. */
  price: number;
  isVirtual: boolean;
  /** API unix seconds. */
  createdAt: number;
  /** API unix seconds. */
  numberExpireAt: number;
  /** Text of the SMS that can be read now; emptied by a retry (the API forgets the previous SMS). */
  message: string;
  code: string;
  /** Did any SMS ever arrive? Decides `serviceConsumed` vs `refunded` and the delivery rate. */
  smsReceived: boolean;
}
