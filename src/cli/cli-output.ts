/**
 * Everything a command prints goes through one writer, which removes secrets (the API key, a
 * Redis password) from the text before it reaches the terminal — a server that echoes the key
 * in an error message must not leak it into a CI log (DESIGN §8).
 */
import { redactSecret } from '../api/redact.ts';

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
  const clean = (text: string) => {
    let out = text;
    // Longest first, so a secret that contains another is removed whole.
    for (const secret of [...secrets].sort((a, b) => b.length - a.length)) out = redactSecret(out, secret);
    return out;
  };
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
      // Very short "secrets" (the sandbox's public `sandbox` key) would shred ordinary words; real keys are long.
      if (secret && secret.length >= 8) secrets.add(secret);
    },
  };
}
