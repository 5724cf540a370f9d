// "My work": where a person lands when they sign in, in headless Chromium against
// `baton demo`: what waits on them across Baton, each with its action.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openDemo, shots } from './demo.mjs';

let demo, base, browser, tokens;
before(async () => ({ base, browser, tokens } = demo = await openDemo()));
after(() => demo?.close());

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

test('a roadmap item proposed is on the work list of whoever may agree it; agreed, it reminds its owner near its date', async () => {
  const noor = { Authorization: `Bearer ${tokens['noor.castellano']}`, 'Content-Type': 'application/json' };
  const due = new Date(Date.now() + 9 * 86400_000).toISOString().slice(0, 10);
  const made = await fetch(`${base}/api/v1/services/streamhub/roadmap`, { method: 'POST', headers: noor,
    body: JSON.stringify({ change: 'raise publish availability to 99.95%', owner: 'rohan.abernathy', due }) });
  const answer = await made.text();
  assert.equal(made.status, 201, answer);
  const { number } = JSON.parse(answer);

  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  await signIn(page, 'noor.castellano');
  const roadmap = page.locator('section.work', { hasText: 'SLO roadmap' });
  const card = roadmap.locator('div.card', { hasText: 'raise publish availability to 99.95%' });
  assert.equal(await card.count(), 1, await page.locator('main').innerText());
  assert.match(await card.innerText(), new RegExp(`owner rohan\\.abernathy · due ${due}`));
  await card.locator('button', { hasText: 'Agree' }).click();
  assert.match(page.url(), /\/services\/streamhub\?done=roadmap\+item\+\d+\+agreed#roadmap$/);
  assert.match(await page.locator('table.roadmap').innerText(), new RegExp(`${number}\\s+raise publish availability.*agreed by noor\\.castellano`, 's'));
  await page.goto(`${base}/me`);
  assert.doesNotMatch(await page.locator('main').innerText(), /raise publish availability/, 'agreed: no longer waiting on her');
  await page.close();

  // Its owner is reminded: due in nine days. Someone the chart does not name sees nothing.
  const owner = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  await signIn(owner, 'rohan.abernathy');
  assert.match(await owner.locator('section.work', { hasText: 'SLO roadmap' }).innerText(), new RegExp(`raise publish availability to 99\\.95%[\\s\\S]*yours, due ${due}`));
  await owner.close();
  const other = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  await signIn(other, 'helga.marchetti');
  assert.doesNotMatch(await other.locator('main').innerText(), /raise publish availability/);
  await other.close();
});
