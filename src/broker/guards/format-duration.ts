/**
 * Durations in guard messages. The guards count in API time (the API's 24 h rule, a cool-down
 * of API minutes); under a sandbox time scale the real wait is shorter, and both are shown.
 */

/** `12 min`, `45 s`, `3 h` — rounded up, so "0 s" never shows for a wait that is still on. */
export function formatDuration(ms: number): string {
  const s = Math.max(1, Math.ceil(ms / 1000));
  if (s < 120) return `${s} s`;
  const min = Math.ceil(s / 60);
  if (min < 120) return `${min} min`;
  return `${Math.ceil(min / 60)} h`;
}

/** An API-time duration, with its real length when the time scale is not 1. */
export function formatApiDuration(apiMs: number, timeScale: number): string {
  const api = formatDuration(apiMs);
  return timeScale === 1
    ? api
    : `${api} of API time (${formatDuration(apiMs / timeScale)} real at time scale ${timeScale})`;
}
