/**
 * `playwright-tempnumber/sandbox`: a local, faithful fake of the TempNumber v1 API with a control
 * surface (carrier, state, faults, reset) and a virtual clock. See DESIGN §6.
 */

export { COUNTRIES, type CountryId, type CountryPlan } from './catalog/countries.ts';
export {
  PAIRS_WITHOUT_NUMBERS,
  PRICE_TABLE,
  SERVICES,
  type ServiceId,
  type ServiceInfo,
  VIRTUAL_PAIRS,
} from './catalog/offers.ts';
export { accountHash } from './core/account.ts';
export type {
  CoreDrop,
  CoreHold,
  CoreReply,
  CoreRequest,
  CoreResponse,
  SandboxCore,
} from './core/core-types.ts';
export { createSandboxCore, type SandboxCoreOptions } from './core/create-sandbox-core.ts';
export type { Faults } from './core/faults.ts';
export { SANDBOX_RULES } from './core/sandbox-rules.ts';
export type { SandboxActivation, SandboxState } from './core/state-snapshot.ts';
export type { SmsRecord } from './core/world.ts';
export { type Sandbox, type SandboxOptions, startSandbox } from './start-sandbox.ts';
