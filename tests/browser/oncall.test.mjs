// The on-call pages in headless Chromium against `baton demo`, which seeds the addon-sre
// rotation's on-call log and an open handover from today's on-call engineer to the next.
// The incoming engineer signs in, sees the handover and moves the checkbox.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { launchChromium, shots, signInAs, startDemo } from './demo.mjs';

let server, base, browser, handover;
const tokens = {};

before(async () => {
  ({ child: server, url: base } = await startDemo(tokens));
  browser = await launchChromium();
  const open = await (await fetch(`${base}/api/v1/rotations/addon-sre/handovers?open=true`)).json();
  assert.equal(open.length, 1, 'the demo seeds one open handover');
  handover = open[0];
});

after(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
});

async function signIn(page, person) {
  assert.ok(tokens[person], `the demo printed a token for ${person}`);
  await signInAs(page, base, tokens[person], person);
}

test('the on-call overview names who is on call for every rotation, and why', async () => {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  await page.goto(base);
  await page.click('header >> text=On call');
  assert.match(await page.locator('h1').innerText(), /On call/);
  const rows = page.locator('table.rotations tr', { hasText: 'SRE' });
  assert.equal(await rows.count(), 4, 'one row per example rotation');
  const addon = page.locator('table.rotations tr', { hasText: 'Addon SRE primary' });
  assert.match(await addon.innerText(), /turn \d+ of cycle \d+|extends|on leave|repays/);
  assert.match(await addon.innerText(), /1 waiting/);
  await page.screenshot({ path: join(shots, 'oncall-overview.png'), fullPage: true });
  await page.close();
});

test('a rotation page shows how evenly the last twelve months were shared', async () => {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  await page.goto(`${base}/oncall/addon-sre`);
  const section = page.locator('h2', { hasText: 'Fairness, the last twelve months' });
  assert.equal(await section.count(), 1);
  const rows = page.locator('table.fairness tr');
  assert.equal(await rows.count(), 7, 'a header and the six members');
  const ratio = (await page.locator('p.meta', { hasText: 'weighted hours of the least loaded' }).innerText()).match(/(\d+\.\d+)×/);
  assert.ok(ratio && Number(ratio[1]) <= 1.10, `the balanced reshuffle keeps it even: ${ratio}`);
  await section.scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(shots, 'oncall-fairness.png'), fullPage: true });
  await page.close();
});

test('a member records leave on the rotation page; a published shift gets a cover request the asked person accepts', async () => {
  // Beatriz's next shift, whenever it falls: leave over it is within two weeks of now,
  // so it asks someone to cover rather than moving the turn.
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  await signIn(page, 'beatriz.nakamura');
  const to = new Date(Date.now() + 14 * 864e5).toISOString();
  const schedule = await (await page.request.get(`${base}/api/v1/rotations/addon-sre/schedule?to=${to}`)).json();
  const shift = schedule.find((s) => s.person.id === 'beatriz.nakamura' && Date.parse(s.start) > Date.now() + 86400e3);
  assert.ok(shift, 'beatriz has a shift in the next two weeks');
  await page.goto(`${base}/oncall/addon-sre`);
  const form = page.locator('form', { hasText: 'Record your leave' });
  // The form takes days in her zone (São Paulo, UTC−3): the shift starts at 09:00
  // Dublin, 06:00 there, the same date.
  const day = new Date(shift.start).toISOString().slice(0, 10);
  await form.getByLabel('First day').fill(day);
  await form.getByLabel('Last day').fill(day);
  await form.getByLabel('Reason').fill('school play');
  await form.getByRole('button', { name: 'Record leave' }).click();
  assert.match(await page.locator('.banner.ok').innerText(), /leave recorded; your published shifts during it need cover/);
  const waiting = page.locator('ul.waiting li', { hasText: 'to cover' });
  assert.equal(await waiting.count(), 1);
  const asked = (await waiting.innerText()).match(/asks (.+?) \(([a-z.]+)\) to cover/);
  assert.ok(asked, await waiting.innerText());
  assert.equal(await waiting.locator('button').count(), 0, 'she cannot answer her own request');
  await page.locator('h2', { hasText: 'Leave and cover' }).scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(shots, 'oncall-leave.png'), fullPage: false });
  await page.close();

  // The person asked signs in with a token the admin makes for them.
  const other = await browser.newPage({ viewport: { width: 390, height: 844 } });
  const made = await other.request.post(`${base}/api/v1/tokens`, {
    headers: { authorization: `Bearer ${tokens.admin}` },
    data: { person: asked[2], name: 'browser test' },
  });
  assert.equal(made.status(), 201);
  await signInAs(other, base, (await made.json()).secret, asked[2]);
  await other.goto(`${base}/oncall/addon-sre`);
  await other.locator('ul.waiting li', { hasText: 'to cover' }).getByRole('button', { name: 'Accept' }).click();
  assert.match(await other.locator('.banner.ok').innerText(), /accepted and applied/);
  const who = await (await other.request.get(`${base}/api/v1/rotations/addon-sre/oncall?at=${encodeURIComponent(shift.start)}`)).json();
  assert.equal(who.person.id, asked[2]);
  assert.equal(who.why.rule, 'override');
  await other.screenshot({ path: join(shots, 'oncall-leave-accepted-phone.png'), fullPage: false });
  await other.close();
});

test('a follow-the-sun rotation names its regions and whose hours it is', async () => {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await page.goto(`${base}/oncall/addon-sre-sun`);
  assert.match(await page.locator('p.meta').first().innerText(), /Follow-the-sun, weekly within each region: kolkata 08:00–17:00 Asia\/Kolkata · dublin/);
  assert.match(await page.locator('p.oncall').innerText(), /(kolkata|dublin|sao-paulo)'s hours: /);
  const regions = await page.locator('table.week td.meta').allInnerTexts();
  assert.ok(regions.some((r) => r.startsWith('kolkata: ')) && regions.some((r) => r.startsWith('sao-paulo: ')), regions.join('\n'));
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `no sideways scrolling on a phone: ${width}px`);
  await page.screenshot({ path: join(shots, 'oncall-follow-the-sun-phone.png'), fullPage: false });
  await page.close();
});

test('someone else sees the handover waiting, without a button to acknowledge it', async () => {
  const page = await browser.newPage();
  await signIn(page, 'leila.fontaine');
  await page.goto(`${base}/oncall/addon-sre`);
  const card = page.locator('.handover');
  assert.match(await card.innerText(), new RegExp(`Waiting for .*\\(${handover.incoming}\\) to acknowledge`));
  assert.equal(await card.locator('button').count(), 0);
  await page.close();
});

test('the incoming engineer acknowledges the handover and it is gone', async () => {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  await signIn(page, handover.incoming);
  await page.goto(`${base}/oncall/addon-sre`);
  const card = page.locator('.handover');
  assert.equal(await card.count(), 1);
  assert.match(await card.innerText(), /Broker 3 lagged once/);
  assert.match(await card.innerText(), /Write the runbook for broker lag/);
  assert.match(await page.locator('body').innerText(), /Runbooks to write[\s\S]*consumer lag on broker 3/);
  const week = await page.locator('table.week tr').count();
  assert.ok(week >= 4, `the week ahead lists the daily shifts (${week - 1} rows)`);
  await page.screenshot({ path: join(shots, 'oncall-handover.png'), fullPage: true });

  await card.locator('button', { hasText: 'Acknowledge' }).click();
  await page.waitForSelector('text=Recorded: handover acknowledged');
  assert.equal(await page.locator('.handover').count(), 0, 'no handover waits any more');
  assert.match(await page.locator('body').innerText(), /None: every handover has been acknowledged/);
  await page.screenshot({ path: join(shots, 'oncall-acknowledged.png'), fullPage: true });

  const open = await (await fetch(`${base}/api/v1/rotations/addon-sre/handovers?open=true`)).json();
  assert.deepEqual(open, [], 'the API agrees');
  await page.close();
});

test('a member gets a calendar feed of their own shifts from the rotation page, and it serves them', async () => {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
  await signInAs(page, base, tokens['beatriz.nakamura'], 'beatriz.nakamura');
  await page.goto(`${base}/oncall/addon-sre`);
  await page.click('text=Get a feed of my shifts');
  const banner = page.locator('#subscribe ~ .banner.ok, .banner.ok').filter({ hasText: 'Your calendar feed' });
  const url = (await banner.locator('code.address').innerText()).trim();
  assert.match(url, /\/feeds\/feed_[0-9a-f]+_[0-9a-f]+\.ics$/);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `the long address wraps on a phone (scrolls by ${overflow}px)`);
  await page.screenshot({ path: join(shots, 'rotation-subscribe-phone.png'), fullPage: true });
  const feed = await fetch(url.startsWith('/') ? `${base}${url}` : url);
  assert.equal(feed.status, 200);
  assert.match(feed.headers.get('content-type'), /text\/calendar/);
  const ics = await feed.text();
  assert.match(ics, /BEGIN:VCALENDAR/);
  assert.match(ics, /Beatriz Nakamura|beatriz\.nakamura/);
  // Reloading the page does not show the address again: it was shown once.
  await page.goto(`${base}/oncall/addon-sre`);
  assert.doesNotMatch(await page.locator('main').innerText(), /feed_[0-9a-f]+_/);
  await page.close();
});
