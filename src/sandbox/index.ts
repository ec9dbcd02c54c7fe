/**
 * `playwright-tempnumber/sandbox`: a local, faithful fake of the TempNumber v1 API (or of
 * Platfone's Activation API, `api: 'platfone'`) with a control
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
export type {
  CoreDrop,
  CoreHold,
  CoreReply,
  CoreRequest,
  CoreResponse,
  Faults,
  SandboxActivation,
  SandboxCore,
  SandboxState,
} from './core/route-table.ts';
export type { SandboxCoreOptions } from './core/sandbox-core.ts';
export { accountHash, SANDBOX_RULES, type SmsRecord } from './core/world.ts';
export { PLATFONE_SANDBOX_RULES } from './dialects/platfone.ts';
export {
  createSandboxCore,
  SANDBOX_API_NAMES,
  type Sandbox,
  type SandboxApi,
  type SandboxApiOptions,
  type SandboxOptions,
  startSandbox,
} from './sandbox.ts';
