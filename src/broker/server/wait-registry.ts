/**
 * Held `wait` requests (long-poll): each resolves as soon as its activation has an SMS newer
 * than the one the client already has, or with `{ sms: null }` when its hold time is up.
 */
import type { WaitResult } from '../protocol.ts';

interface Waiter {
  activationId: number;
  connectionId: number;
  afterSequence: number;
  resolve(result: WaitResult): void;
  reject(error: unknown): void;
  timer: NodeJS.Timeout;
}

export interface WaitRegistry {
  /** Hold until {@link WaitRegistry.notify} has something newer, or `holdMs` passes. */
  hold(
    request: { activationId: number; connectionId: number; afterSequence: number; holdMs: number },
    current: () => WaitResult,
  ): Promise<WaitResult>;
  /** The activation changed: answer every waiter whose SMS is now there. */
  notify(activationId: number, sequence: number, result: () => WaitResult): void;
  /** Answer every waiter of an activation now (it can no longer get an SMS). */
  flush(activationId: number, result: () => WaitResult): void;
  /** The connection is gone: nobody to answer. */
  dropConnection(connectionId: number): void;
  /** The broker is shutting down: fail every held wait. */
  failAll(error: unknown): void;
  /** Activations with at least one held wait. */
  activationIds(): Set<number>;
  size(): number;
}

/** Create an empty registry of held waits. */
export function createWaitRegistry(): WaitRegistry {
  const waiters = new Set<Waiter>();
  const settle = (w: Waiter) => {
    clearTimeout(w.timer);
    waiters.delete(w);
  };
  return {
    hold(request, current) {
      return new Promise<WaitResult>((resolve, reject) => {
        const waiter: Waiter = {
          ...request,
          resolve,
          reject,
          timer: setTimeout(() => {
            settle(waiter);
            resolve(current());
          }, request.holdMs),
        };
        waiters.add(waiter);
      });
    },
    notify(activationId, sequence, result) {
      for (const w of [...waiters]) {
        if (w.activationId !== activationId || sequence <= w.afterSequence) continue;
        settle(w);
        w.resolve(result());
      }
    },
    flush(activationId, result) {
      for (const w of [...waiters]) {
        if (w.activationId !== activationId) continue;
        settle(w);
        w.resolve(result());
      }
    },
    dropConnection(connectionId) {
      for (const w of [...waiters]) if (w.connectionId === connectionId) settle(w);
    },
    failAll(error) {
      for (const w of [...waiters]) {
        settle(w);
        w.reject(error);
      }
    },
    activationIds: () => new Set([...waiters].map((w) => w.activationId)),
    size: () => waiters.size,
  };
}
