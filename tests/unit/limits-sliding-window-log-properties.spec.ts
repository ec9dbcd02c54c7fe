import { expect, test } from '@playwright/test';
import fc from 'fast-check';
import { PRIORITIES, type Priority } from '../../src/limits/rate-limits.ts';
import { createSlidingWindowLog, type WindowSpec } from '../../src/limits/sliding-window-log.ts';
import { maxInFixedWindows, maxInSlidingWindow } from '../helpers/window-counts.ts';

const specArb = fc
  .record({
    limit: fc.integer({ min: 1, max: 12 }),
    windowMs: fc.integer({ min: 50, max: 2000 }),
    marginMs: fc.integer({ min: 0, max: 100 }),
    spacingShare: fc.constantFrom(0, 0, 0.5, 1),
    headroom: fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 4, maxLength: 4 }),
  })
  .map(({ limit, windowMs, marginMs, spacingShare, headroom }) => {
    // Headroom grows from critical to low, as in the HEADROOM table.
    const sortedHeadroom = headroom.map((h) => Math.min(h, limit - 1)).sort((a, b) => a - b);
    const spec: WindowSpec = {
      limit,
      windowMs,
      marginMs,
      spacingMs: Math.floor((spacingShare * (windowMs + marginMs)) / limit),
      headroom: Object.fromEntries(PRIORITIES.map((p, i) => [p, sortedHeadroom[i]!])),
    };
    return spec;
  });

type Step =
  | { kind: 'reserve'; gapMs: number; priority: Priority; maxWaitMs: number }
  | { kind: 'cancel'; gapMs: number; pick: number }
  | { kind: 'block'; gapMs: number; ms: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('reserve' as const),
      gapMs: fc.integer({ min: 0, max: 300 }),
      priority: fc.constantFrom(...PRIORITIES),
      maxWaitMs: fc.oneof(
        fc.constant(0),
        fc.integer({ min: 0, max: 5000 }),
        fc.constant(Number.POSITIVE_INFINITY),
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('cancel' as const),
      gapMs: fc.integer({ min: 0, max: 300 }),
      pick: fc.nat(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('block' as const),
      gapMs: fc.integer({ min: 0, max: 300 }),
      ms: fc.integer({ min: 0, max: 3000 }),
    }),
  },
);

interface Run {
  /** Slots of grants still standing (cancelled ones removed). */
  slots: number[];
  /** Every grant with what the log looked like just before it, for the "not later than needed" check. */
  grants: Array<{
    nowMs: number;
    slotMs: number;
    priority: Priority;
    before: number[];
    blockedUntilMs: number;
    maxWaitMs: number;
  }>;
  violationsOfBlock: number;
}

function run(spec: WindowSpec, steps: Step[]): Run {
  const log = createSlidingWindowLog(spec);
  const members = new Map<string, number>();
  const grants: Run['grants'] = [];
  let nowMs = 0;
  let blockedUntilMs = Number.NEGATIVE_INFINITY;
  let violationsOfBlock = 0;
  steps.forEach((step, index) => {
    nowMs += step.gapMs;
    if (step.kind === 'block') {
      log.block(nowMs, step.ms);
      blockedUntilMs = Math.max(blockedUntilMs, nowMs + step.ms);
    } else if (step.kind === 'cancel') {
      const keys = [...members.keys()];
      const member = keys[step.pick % Math.max(1, keys.length)];
      if (member !== undefined && log.cancel(member)) members.delete(member);
    } else {
      const before = log.slots().slice();
      const r = log.reserve(nowMs, {
        priority: step.priority,
        maxWaitMs: step.maxWaitMs,
        member: `m${index}`,
      });
      if (r.granted) {
        expect(r.slotMs).toBeGreaterThanOrEqual(nowMs);
        expect(r.waitMs).toBeLessThanOrEqual(step.maxWaitMs);
        if (r.slotMs < blockedUntilMs) violationsOfBlock++;
        members.set(`m${index}`, r.slotMs);
        grants.push({
          nowMs,
          slotMs: r.slotMs,
          priority: step.priority,
          before,
          blockedUntilMs,
          maxWaitMs: step.maxWaitMs,
        });
      } else {
        expect(r.retryInMs).toBeGreaterThan(0);
        expect(r.slotMs - nowMs).toBeGreaterThan(step.maxWaitMs);
      }
    }
  });
  return { slots: [...members.values()], grants, violationsOfBlock };
}

test.describe('sliding-window log with reservations: properties', () => {
  test('never grants more than the limit in any window + margin, whatever arrives, cancels or blocks', () => {
    fc.assert(
      fc.property(
        specArb,
        fc.array(stepArb, { maxLength: 200 }),
        fc.array(fc.nat(), { minLength: 20, maxLength: 20 }),
        (spec, steps, offsets) => {
          const { slots, violationsOfBlock } = run(spec, steps);
          const span = spec.windowMs + spec.marginMs;
          expect(maxInSlidingWindow(slots, span)).toBeLessThanOrEqual(spec.limit);
          // A server window of the published length W at any alignment sees at most the limit.
          for (const offset of offsets) {
            expect(maxInFixedWindows(slots, spec.windowMs, offset % spec.windowMs)).toBeLessThanOrEqual(
              spec.limit,
            );
          }
          expect(violationsOfBlock).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('grants the earliest slot that fits: one millisecond earlier would break a block, the spacing or a window', () => {
    fc.assert(
      fc.property(specArb, fc.array(stepArb, { maxLength: 150 }), (spec, steps) => {
        const span = spec.windowMs + spec.marginMs;
        for (const g of run(spec, steps).grants) {
          if (g.slotMs === g.nowMs) continue;
          const earlier = g.slotMs - 1;
          const eff = Math.max(1, spec.limit - (spec.headroom?.[g.priority] ?? 0));
          const last = g.before.at(-1);
          const breaksBlock = earlier < g.blockedUntilMs;
          const breaksOrder = last !== undefined && earlier < last + (spec.spacingMs ?? 0);
          const inWindow = g.before.filter((s) => s > earlier - span && s <= earlier).length;
          expect(breaksBlock || breaksOrder || inWindow >= eff).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  test('under saturation grants the full limit in every window + margin', () => {
    fc.assert(
      fc.property(specArb, fc.integer({ min: 2, max: 6 }), (spec, windows) => {
        const paced: WindowSpec = {
          ...spec,
          spacingMs: Math.floor((spec.windowMs + spec.marginMs) / spec.limit),
        };
        for (const s of [spec, paced]) {
          const log = createSlidingWindowLog({ ...s, headroom: {} });
          const span = s.windowMs + s.marginMs;
          const slots: number[] = [];
          // A caller that always waits: every reservation is taken as soon as it is offered.
          for (let i = 0; i < windows * s.limit + s.limit; i++) {
            const r = log.reserve(0, {
              priority: 'normal',
              maxWaitMs: Number.POSITIVE_INFINITY,
              member: `m${i}`,
            });
            if (r.granted) slots.push(r.slotMs);
          }
          expect(slots.filter((t) => t < windows * span).length).toBeGreaterThanOrEqual(windows * s.limit);
        }
      }),
      { numRuns: 200 },
    );
  });

  test('headroom keeps critical requests unstarved: they wait at most the spacing plus the others’ max wait', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 12 }),
        fc.integer({ min: 100, max: 1000 }),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 50 }),
        fc.integer({ min: 0, max: 3 }),
        fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 30 }),
        (limit, windowMs, normalMaxWaitMs, spacingMs0, headroom0, extraGaps) => {
          const headroom = Math.max(1, Math.min(headroom0, limit - 1));
          const spacingMs = Math.min(spacingMs0, Math.floor((windowMs + 20) / limit));
          const spec: WindowSpec = {
            limit,
            windowMs,
            marginMs: 20,
            spacingMs,
            headroom: { critical: 0, normal: headroom },
          };
          const log = createSlidingWindowLog(spec);
          // At most `headroom` critical arrivals in any interval a critical slot's window can reach.
          const reach = windowMs + 20 + 2 * (normalMaxWaitMs + spacingMs);
          const minGap = Math.floor(reach / headroom) + 1;
          const criticalAt: number[] = [];
          let t = 5;
          for (const extra of extraGaps) {
            criticalAt.push(t);
            t += minGap + extra;
          }
          let worstWaitMs = 0;
          let next = 0;
          // Normal traffic saturates the bucket: a request every millisecond, for the whole run.
          for (let now = 0; now <= t; now++) {
            while (next < criticalAt.length && criticalAt[next] === now) {
              const r = log.reserve(now, {
                priority: 'critical',
                maxWaitMs: Number.POSITIVE_INFINITY,
                member: `c${next++}`,
              });
              if (r.granted) worstWaitMs = Math.max(worstWaitMs, r.waitMs);
            }
            log.reserve(now, { priority: 'normal', maxWaitMs: normalMaxWaitMs, member: `n${now}` });
          }
          expect(worstWaitMs).toBeLessThanOrEqual(spacingMs + normalMaxWaitMs);
        },
      ),
      { numRuns: 100 },
    );
  });
});
