/** Money as people read it: every amount above the provider seam is USD (docs/decisions/0016). */

/** USD with 2 to 4 decimals and thousands separators: `$0.45`, `$1.125`, `$1,000.00`. */
export function formatUsd(amount: number): string {
  const text = Math.abs(amount).toLocaleString('en-US', {
    minimumFractionDigits: 2,
    maximumFractionDigits: 4,
  });
  return `${amount < 0 ? '-' : ''}$${text}`;
}
