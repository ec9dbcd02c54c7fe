/**
 * What a server with a limit of N per window W would count: the tests' yardstick for "never more
 * than the limit in any window, whatever the server's algorithm or alignment".
 */

/** Most times in any window (x − W, x], x running over every time: a server's sliding window. */
export function maxInSlidingWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let max = 0;
  for (let end = 0, start = 0; end < sorted.length; end++) {
    while (sorted[start]! <= sorted[end]! - windowMs) start++;
    max = Math.max(max, end - start + 1);
  }
  return max;
}

/** Most times in one fixed window [offset + k·W, offset + (k + 1)·W): a server's fixed windows. */
export function maxInFixedWindows(times: number[], windowMs: number, offsetMs: number): number {
  const counts = new Map<number, number>();
  for (const t of times) {
    const k = Math.floor((t - offsetMs) / windowMs);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return Math.max(0, ...counts.values());
}
