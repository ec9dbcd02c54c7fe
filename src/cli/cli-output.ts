/**
 * Everything a command prints goes through one writer, which removes secrets (the API key, a
 * Redis password) from the text before it reaches the terminal — a server that echoes the key
 * in an error message must not leak it into a CI log (DESIGN §8).
 */
import { MIN_SECRET_LENGTH, redactSecrets } from '../api/redact.ts';

/** The printer a command receives. */
export interface CliOutput {
  /** Human text on stdout (ignored in `--json` mode: a command prints JSON there instead). */
  line(text?: string): void;
  /** One JSON document on stdout. */
  json(value: unknown): void;
  /** Diagnostics on stderr (also in `--json` mode: they never mix with the JSON). */
  error(text: string): void;
  /** Never print `secret`, from now on. */
  addSecret(secret: string | undefined): void;
  readonly jsonMode: boolean;
}

/** Create the writer; `jsonMode` silences {@link CliOutput.line}. */
export function createCliOutput(jsonMode: boolean): CliOutput {
  const secrets = new Set<string>();
  const clean = (text: string) => redactSecrets(text, secrets);
  return {
    jsonMode,
    line(text = '') {
      if (!jsonMode) console.log(clean(text));
    },
    json(value) {
      console.log(clean(JSON.stringify(value, null, 2)));
    },
    error(text) {
      console.error(clean(text));
    },
    addSecret(secret) {
      // The shared rule (api/redact.ts): short "secrets" like the sandbox's `sandbox` are left alone.
      if (secret && secret.length >= MIN_SECRET_LENGTH) secrets.add(secret);
    },
  };
}
