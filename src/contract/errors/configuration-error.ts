import { TempNumberError } from './tempnumber-error.ts';

/** Settings are missing or invalid: a missing API key, a bad option value. Fix the config. */
export class ConfigurationError extends TempNumberError {
  override name = 'ConfigurationError';
}
