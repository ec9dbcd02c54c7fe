// A mistyped code, then "Resend code": `phone.retry()` asks TempNumber for another SMS on the
// same number, and the next `phone.code()` returns the code of that new SMS.
import { expect, test } from 'playwright-tempnumber';

/** The code with its last digit changed: wrong for sure, never by chance right. */
function mistype(code: string): string {
  const last = Number(code.at(-1));
  return `${code.slice(0, -1)}${(last + 1) % 10}`;
}

test('a mistyped code, then a new code by SMS', async ({ page, phone }) => {
  await page.goto('/signup');
  await page.getByLabel('Name').fill('Grace');
  await page.getByLabel('Phone').fill(phone.number);
  await page.getByRole('button', { name: 'Send code' }).click();

  const first = await phone.code();
  await page.getByLabel('Code').fill(mistype(first));
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByText('Wrong code')).toBeVisible();

  // Retry BEFORE the app sends again: until then the number is done with its first SMS and
  // would not take another one.
  await phone.retry();
  await page.getByRole('button', { name: 'Resend code' }).click();
  const second = await phone.code();
  expect(second).not.toBe(first);

  await page.getByLabel('Code').fill(second);
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByText('Welcome, Grace')).toBeVisible();
});
