// Two numbers in one test: `phones.lease()` leases as many as the test needs (here one per
// person, the second one from another country). Every leased number is released after the test.
import type { Page } from '@playwright/test';
import { expect, test } from 'playwright-tempnumber';

async function startSignup(page: Page, name: string, number: string): Promise<void> {
  await page.goto('/signup');
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Phone').fill(number);
  await page.getByRole('button', { name: 'Send code' }).click();
}

test('two people sign up at the same time', async ({ page, context, phones }) => {
  const alice = await phones.lease();
  const bob = await phones.lease({ country: 'gb' });
  expect(bob.country).toBe('gb');
  expect(alice.number).not.toBe(bob.number);

  const bobsPage = await context.newPage();
  await startSignup(page, 'Alice', alice.number);
  await startSignup(bobsPage, 'Bob', bob.number);

  // Each phone gets its own SMS, in whatever order they arrive.
  const [aliceCode, bobCode] = await Promise.all([alice.code(), bob.code()]);
  await page.getByLabel('Code').fill(aliceCode);
  await bobsPage.getByLabel('Code').fill(bobCode);
  await page.getByRole('button', { name: 'Verify' }).click();
  await bobsPage.getByRole('button', { name: 'Verify' }).click();

  await expect(page.getByText('Welcome, Alice')).toBeVisible();
  await expect(bobsPage.getByText('Welcome, Bob')).toBeVisible();
});
