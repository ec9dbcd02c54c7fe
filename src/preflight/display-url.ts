/**
 * URLs may carry credentials (`redis://:password@host`, `https://user:pass@proxy`). Anything
 * this package prints shows them without.
 */

/** `url` with any user name and password replaced by `***`; unparsable input is returned masked. */
export function displayUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not a URL: it may still hold a password, so show only that something was set.
    return '(unparsable URL)';
  }
  if (parsed.username || parsed.password) {
    parsed.username = parsed.username ? '***' : '';
    parsed.password = parsed.password ? '***' : '';
  }
  return parsed.toString().replace(/\/$/, '');
}

/** The password (or lone user name, as `redis://secret@host` means) of `url`, to redact it elsewhere. */
export function urlSecrets(url: string): string[] {
  try {
    const parsed = new URL(url);
    return [parsed.password, parsed.username]
      .filter((s) => s !== '')
      .flatMap((s) => [s, decodeURIComponent(s)]);
  } catch {
    return [];
  }
}
