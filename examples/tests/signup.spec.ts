// The basic flow: a test asks for `phone`, types the number into the app, and `phone.code()`
// returns the code from the SMS the app's backend sent. Service, countries and price come from
// `use:` in examples/playwright.config.ts. After the test the number is released by itself.
import { expect, test } from 'playwright-tempnumber';

test('sign up with a phone number', async ({ page, phone }) => {
  await page.goto('/signup');
  await page.getByLabel('Name').fill('Ada');
  await page.getByLabel('Phone').fill(phone.number);
  await page.getByRole('button', { name: 'Send code' }).click();
  await page.getByLabel('Code').fill(await phone.code());
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByText('Welcome, Ada')).toBeVisible();
});
