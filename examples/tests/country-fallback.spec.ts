// Country fallback: with a list, each country is tried in order when one has no numbers (or
// is over `phoneMaxPrice`). The sandbox has no Instagram numbers in Egypt, so the lease falls
// back to the US — and the test can see which country it got.
import { expect, test } from 'playwright-tempnumber';

test.use({ phoneService: 'instagram', phoneCountry: ['eg', 'us'] });

test('a number from the next country when the first has none', async ({ page, phone }) => {
  expect(phone.service).toBe('instagram');
  expect(phone.country).toBe('us');
  expect(phone.number).toMatch(/^\+1\d{10}$/);

  await page.goto('/signup');
  await page.getByLabel('Name').fill('Linus');
  await page.getByLabel('Phone').fill(phone.number);
  await page.getByRole('button', { name: 'Send code' }).click();
  await page.getByLabel('Code').fill(await phone.code());
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByText('Welcome, Linus')).toBeVisible();
});
