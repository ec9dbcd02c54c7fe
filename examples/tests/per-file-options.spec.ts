// Options for every test of one file: a Telegram number (pricier than the config's default
// limit, so the limit is raised here too) and a code pattern. Invited users get an SMS that
// carries the invite number BEFORE the code ("Acme invite 4417: your verification code is
// 123456…"): without the pattern the first run of digits, 4417, would pass for the code.
import { expect, test } from 'playwright-tempnumber';

test.use({ phoneService: 'telegram', phoneMaxPrice: 1.5, phoneCodePattern: /code is (\d{6})/ });

test('an invited user signs up with a Telegram number', async ({ page, phone }) => {
  expect(phone.service).toBe('telegram');
  expect(phone.price).toBeLessThanOrEqual(1.5);

  await page.goto('/signup?invite=4417');
  await page.getByLabel('Name').fill('Margaret');
  await page.getByLabel('Phone').fill(phone.number);
  await page.getByRole('button', { name: 'Send code' }).click();

  const sms = await phone.sms();
  expect(sms.text).toContain('invite 4417');
  expect(sms.code).toMatch(/^\d{6}$/);
  await page.getByLabel('Code').fill(sms.code);
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByText('Welcome, Margaret')).toBeVisible();
});
