/**
 * The broker's slow timer: releases orphans nobody adopted, forgets settled activations, and
 * ends the broker after `idleExitMs` with no client and nothing waiting.
 */

import type { BrokerContext } from './broker-context.ts';
import { isSettlingIntents } from './lease-intents.ts';
import { releaseActivation } from './release.ts';

export interface HousekeepingOptions {
  idleExitMs: number;
  onIdle(): void;
}

export interface Housekeeping {
  stop(): void;
}

/** Start the timer; `stop()` ends it. */
export function startHousekeeping(ctx: BrokerContext, options: HousekeepingOptions): Housekeeping {
  let idleSinceMs: number | undefined;
  const tickMs = Math.max(50, Math.min(1_000, options.idleExitMs / 5));
  const timer = setInterval(() => {
    const now = ctx.now();
    for (const t of ctx.tracker.all()) {
      if (t.adoptUntilMs !== undefined && now >= t.adoptUntilMs && t.connectionId === undefined) {
        t.adoptUntilMs = undefined;
        void releaseActivation(ctx, t, 'notAdopted').catch((e: unknown) => {
          ctx.log(`could not release orphan ${t.record.id}: ${(e as Error).message}`);
        });
      }
    }
    ctx.tracker.prune();
    if (!isIdle(ctx)) {
      idleSinceMs = undefined;
      return;
    }
    idleSinceMs ??= now;
    if (now - idleSinceMs >= options.idleExitMs) {
      clearInterval(timer);
      ctx.log(`idle for ${Math.round((now - idleSinceMs) / 1000)} s with no client: exiting`);
      options.onIdle();
    }
  }, tickMs);
  return { stop: () => clearInterval(timer) };
}

/** No client connected, no wait held, no activation a test may still use, no intent being settled. */
function isIdle(ctx: BrokerContext): boolean {
  return (
    ctx.clientCount() === 0 &&
    ctx.tracker.waits.size() === 0 &&
    !ctx.tracker.all().some((t) => t.record.outcome === 'waiting') &&
    !isSettlingIntents(ctx)
  );
}
