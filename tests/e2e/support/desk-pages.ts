import type { Page } from 'playwright-core';

/**
 * Steps through the desk UI that several end-to-end files take, written once: sign in, and open
 * a member's identity step from the find screen.
 */

/**
 * How long a step waits for the screen to show its outcome. Generous on purpose: a sign-in runs
 * scrypt (N = 2^17) on the server and on the desk, and a busy 2-core machine (CI with other work
 * on it) can make that and a sync round trip take many seconds. A step that never comes still fails.
 */
export const screenTimeoutMs = 30_000;

/**
 * Sign in at a desk (browser mode). Every page load is a new connection to the desk, which starts
 * signed out; a page still on the desk after a hash navigation is signed in: then there is nothing to do.
 */
export async function signInDesk(page: Page, deskUrl: string, username: string): Promise<void> {
  await page.goto(deskUrl);
  const findScreen = page.getByRole('heading', { name: 'Find a beneficiary' });
  await page.getByLabel('Username').or(findScreen).waitFor();
  if (await findScreen.isVisible()) return;
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill('coverdesk-demo');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await findScreen.waitFor({ timeout: Math.max(screenTimeoutMs, 60_000) });
}

/**
 * From the find screen: search the scheme member ID, open the family, then the member's identity
 * step. The page must be signed in already: it moves by hash (a reload would be a new connection,
 * which signs in again).
 */
export async function openIdentity(page: Page, deskUrl: string, schemeMemberId: string, name: string): Promise<void> {
  await page.goto(`${deskUrl}/#/find`);
  await page.getByRole('heading', { name: 'Find a beneficiary' }).waitFor();
  await page.getByRole('textbox', { name: 'Scheme member ID' }).fill(schemeMemberId);
  await page.keyboard.press('Enter');
  await page.getByRole('link', { name }).first().click();
  await page.getByRole('link', { name: `Identify and admit ${name}` }).click();
  await page.getByRole('heading', { name: `Confirm identity: ${name}` }).waitFor();
}
