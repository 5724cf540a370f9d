// Alerts on the dashboard, in headless Chromium against `baton demo`, which sends a few
// alerts through the real intake: the alert list, one alert's page with its history and
// who was paged, and acknowledging it from the browser.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { launchChromium, shots, signInAs, startDemo } from './demo.mjs';

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

const signIn = (page, person) => signInAs(page, base, tokens[person], person);

test('the alert list shows open alerts and an owner acknowledges one from its page', async () => {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  await page.goto(`${base}/alerts`);
  const list = await page.locator('main').innerText();
  assert.match(list, /Consumer lag above 10 minutes/);
  assert.match(list, /broker-2 data disk 85% full/);
  assert.match(list, /acknowledged/, 'the disk alert was taken by the SRE on call');
  await page.screenshot({ path: join(shots, 'alerts-list.png'), fullPage: true });

  await signIn(page, 'noor.castellano');
  await page.goto(`${base}/alerts`);
  await page.click('text=Consumer lag above 10 minutes');
  assert.match(await page.locator('main').innerText(), /paged/, 'the history says who was paged');
  await page.click('form[action$="/ack"] button');
  await page.waitForSelector('text=acknowledged by noor.castellano');
  const details = await page.locator('dl').innerText();
  assert.match(details, /Acknowledged\s+noor\.castellano/);
  await page.screenshot({ path: join(shots, 'alert-acknowledged.png'), fullPage: true });
});
