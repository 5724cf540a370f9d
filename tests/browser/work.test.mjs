// "My work": where a person lands when they sign in, in headless Chromium against
// `baton demo`: what waits on them across Baton, each with its action.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { launchChromium, shots, startDemo } from './demo.mjs';

let server, base, browser;
const tokens = {};

before(async () => {
  ({ child: server, url: base } = await startDemo(tokens));
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
});

// Signs in from the sign-in page as a person would, with no page to go back to.
async function signIn(page, person) {
  await page.goto(`${base}/login`);
  await page.fill('input[name=token]', tokens[person]);
  await page.click('button[type=submit]');
  await page.waitForSelector(`text=Signed in as ${person}`);
}

test('an architect lands on their work: the proposal to decide, one click from its form', async () => {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  await signIn(page, 'helga.marchetti');
  assert.equal(new URL(page.url()).pathname, '/me', 'signing in lands on My work');
  const work = await page.locator('main').innerText();
  assert.match(work, /Pipeline steps that are yours/);
  assert.match(work, /accept or reject it/);
  // Nothing she may not do: no checklist item of another team, no alert of a service she
  // does not answer for.
  assert.doesNotMatch(work, /attest `/);
  assert.doesNotMatch(work, /Alerts you answer for/);
  await page.screenshot({ path: join(shots, 'my-work-architect.png'), fullPage: true });
  const card = page.locator('section.work', { hasText: 'Pipeline steps' }).locator('div.card', { hasText: 'accept or reject it' }).first();
  await card.locator('a.name').click();
  assert.match(page.url(), /\/services\/[a-z-]+#actions$/);
  assert.ok(await page.locator('form[action$="/do/accept"]').count(), 'the Accept form is on the page it leads to');
  await page.close();
});

test('an owner acknowledges an alert from their work list, and it leaves the list', async () => {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  await signIn(page, 'noor.castellano');
  const alerts = page.locator('section.work', { hasText: 'Alerts you answer for' });
  const card = alerts.locator('div.card', { hasText: 'Consumer lag above 10 minutes' });
  assert.equal(await card.count(), 1, await page.locator('main').innerText());
  await page.screenshot({ path: join(shots, 'my-work-owner.png'), fullPage: true });
  await card.locator('button', { hasText: 'Acknowledge' }).click();
  await page.waitForSelector('text=acknowledged by noor.castellano');
  await page.goto(`${base}/me`);
  assert.doesNotMatch(await page.locator('main').innerText(), /Consumer lag above 10 minutes/, 'acknowledged: no longer waiting');
  await page.close();
});

test('on a phone the work list fits, and a vote asked of someone leads to its gate', async () => {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
  await signIn(page, 'leila.fontaine');
  const votes = page.locator('section.work', { hasText: 'Gate votes you can give' });
  assert.match(await votes.innerText(), /promote-to-prod of inkwell-notebooks/);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `scrolls sideways by ${overflow}px`);
  await page.screenshot({ path: join(shots, 'my-work-phone.png'), fullPage: true });
  await votes.locator('a.name').first().click();
  assert.match(page.url(), /\/services\/inkwell-notebooks#gate-promote-to-prod$/);
  assert.ok(await page.locator('#gate-promote-to-prod').count(), 'the gate is on the page it leads to');
  await page.close();
});
