import { expect, test } from '@playwright/test';
import { describeActivation } from '../../fixtures/phone-session.ts';

const base = { number: '+18454123223', service: 'facebook', country: 'us', price: 0.25 } as const;

test.describe('the tempnumber annotation text', () => {
  const cases: Array<[string, Parameters<typeof describeActivation>, string]> = [
    [
      'finalized with a code',
      [{ ...base, outcome: 'finalized' }, [1200]],
      '+18454123223 facebook/us $0.25 finalized, code in 1.2 s',
    ],
    [
      'finalized after a retry',
      [{ ...base, outcome: 'finalized' }, [800, 2400]],
      '+18454123223 facebook/us $0.25 finalized, 2 codes, last in 2.4 s',
    ],
    [
      'cancelled without an SMS',
      [{ ...base, outcome: 'cancelled' }, []],
      '+18454123223 facebook/us $0.25 cancelled, no SMS',
    ],
    ['still waiting', [{ ...base, outcome: 'waiting' }, []], '+18454123223 facebook/us $0.25 waiting'],
    [
      'sub-second latency',
      [{ ...base, outcome: 'finalized' }, [340]],
      '+18454123223 facebook/us $0.25 finalized, code in 340 ms',
    ],
  ];
  for (const [what, args, expected] of cases) {
    test(`${what}`, () => {
      expect(describeActivation(...args)).toBe(expected);
    });
  }
});
