/**
 * Request classes inside one rate-limit bucket, most important first. A class may only take a
 * slot while the bucket keeps `headroom` slots per window free for the classes above it, so
 * release/cleanup traffic is never starved by polling or leasing (research §2, §6.8).
 */
export const PRIORITIES = ['critical', 'high', 'normal', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];
