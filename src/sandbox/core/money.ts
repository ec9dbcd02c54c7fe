/**
 * Round an amount of USD to micro-dollars: balances move by float prices (0.45, 2.15 …), and
 * without rounding a refund would leave 999.9999999999999 where the user expects 1000.
 */
export function roundMoney(usd: number): number {
  return Math.round(usd * 1e6) / 1e6;
}
