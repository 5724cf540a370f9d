// The schedule as people use it, in headless Chromium against `baton demo`: a rotation's
// month calendar, asking for a swap that the other person accepts, taking over some time
// with an override, and "My shifts" across rotations — at desk and phone widths.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openDemo, shots, signInAs } from './demo.mjs';

let demo, base, browser, tokens;
before(async () => ({ base, browser, tokens } = demo = await openDemo()));
after(() => demo?.close());

async function signedIn(person, width = 1366) {
  const page = await browser.newPage({ viewport: { width, height: width > 600 ? 900 : 844 } });
  await signInAs(page, base, tokens[person], person);
  return page;
}

const scrollsSideways = (page) => page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);

// The API's schedule for the next four weeks (what the pages must agree with).
async function upcoming(page, rotation) {
  const to = new Date(Date.now() + 27 * 86400_000).toISOString();
  return (await (await page.request.get(`${base}/api/v1/rotations/${rotation}/schedule?to=${encodeURIComponent(to)}`)).json());
}

test('a rotation page shows the month as a calendar, each day naming who holds it, and pages through months', async () => {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  await page.goto(`${base}/oncall/addon-sre#calendar`);
  const cal = page.locator('ol.calendar');
  const days = await cal.locator('li.day').count();
  assert.ok(days === 28 || days === 35 || days === 42, `whole weeks: ${days} days`);
  const today = cal.locator('li.day[aria-current=date]');
  assert.equal(await today.count(), 1, 'today is marked');
  // Who the API says is on call now is named on today's square.
  const now = await (await page.request.get(`${base}/api/v1/rotations/addon-sre/oncall`)).json();
  assert.match(await today.innerText(), new RegExp(now.person.name));
  // Hover text says why: the turn, in the one vocabulary.
  const title = await today.locator('.shift').first().getAttribute('title');
  assert.match(title, /turn \d+ of cycle \d+|covering|swapped|leave|repaying/);
  await page.screenshot({ path: join(shots, 'rotation-calendar.png'), fullPage: false, clip: await page.locator('section[aria-labelledby=calendar]').boundingBox() });
  const month = await page.locator('nav.month strong').innerText();
  await page.locator('nav.month a[rel=next]').click();
  const next = await page.locator('nav.month strong').innerText();
  assert.notEqual(next, month, 'the next month is shown');
  assert.match(page.url(), /\?month=\d{4}-\d{2}#calendar$/);
  // A month written wrongly is said, not a broken page.
  await page.goto(`${base}/oncall/addon-sre?month=13-2026`);
  assert.match(await page.locator('section[aria-labelledby=calendar]').innerText(), /`13-2026` is not a month: write it as YYYY-MM/);
  await page.close();
});

test('a member asks another to swap shifts; it applies when they accept, and the calendar shows it', async () => {
  const page = await signedIn('beatriz.nakamura');
  const shifts = await upcoming(page, 'addon-sre');
  const soon = Date.now() + 3600_000;
  const mine = shifts.find((s) => s.person.id === 'beatriz.nakamura' && Date.parse(s.start) > soon);
  const theirs = shifts.find((s) => s.person.id === 'aoife.delacroix' && Date.parse(s.start) > soon);
  assert.ok(mine && theirs, 'both hold a shift in the next four weeks');
  await page.goto(`${base}/oncall/addon-sre#changes`);
  const form = page.locator('form[action$="/do/swap"]');
  await form.locator('select[name=mine]').selectOption(mine.start);
  await form.locator('select[name=with]').selectOption(`swap:aoife.delacroix:${theirs.start}`);
  await form.locator('input[name=reason]').fill('school play');
  await form.locator('button').click();
  await page.waitForSelector('text=asked: it applies when they accept');
  assert.match(await page.locator('ul.waiting').innerText(), /asks Aoife Delacroix \(aoife\.delacroix\) to swap/);
  await page.close();

  const aoife = await signedIn('aoife.delacroix');
  await aoife.goto(`${base}/oncall/addon-sre#swaps`);
  await aoife.locator('ul.waiting li', { hasText: 'school play' }).locator('button', { hasText: 'Accept' }).click();
  await aoife.waitForSelector('text=accepted and applied');
  const after = await upcoming(aoife, 'addon-sre');
  assert.equal(after.find((s) => s.start === mine.start).person.id, 'aoife.delacroix', 'Aoife now holds the shift Beatriz had');
  assert.equal(after.find((s) => s.start === theirs.start).person.id, 'beatriz.nakamura', 'and Beatriz hers');
  // The calendar of that month marks the swapped shift as a change, with why on hover.
  const month = mine.start.slice(0, 7);
  await aoife.goto(`${base}/oncall/addon-sre?month=${month}#calendar`);
  const swapped = aoife.locator('ol.calendar .shift.changed[title*="swapped with beatriz.nakamura"]');
  assert.ok(await swapped.count() >= 1, 'the swap shows on the calendar');
  await aoife.close();
});

test('a member takes over an afternoon with an override, in their own time zone', async () => {
  // Beatriz is in São Paulo (UTC−3): the form's times are hers.
  const page = await signedIn('beatriz.nakamura');
  await page.goto(`${base}/oncall/addon-sre#changes`);
  const form = page.locator('form[action$="/do/override"]');
  assert.match(await form.innerText(), /America\/Sao_Paulo/);
  const day = new Date(Date.now() + 10 * 86400_000).toISOString().slice(0, 10);
  await form.locator('input[name=from]').fill(`${day}T13:00`);
  await form.locator('input[name=until]').fill(`${day}T17:00`);
  await form.locator('input[name=reason]').fill('covering a dentist visit');
  await form.locator('button').click();
  await page.waitForSelector('text=override applied');
  // Times read in her zone, the UTC instant on hover.
  const t = page.locator('main time').first();
  const [shown, utc, iso] = [await t.innerText(), await t.getAttribute('title'), await t.getAttribute('datetime')];
  assert.match(shown, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2} America\/Sao_Paulo$/);
  assert.equal(utc, `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`);
  const local = new Date(Date.parse(iso) - 3 * 3600_000).toISOString();
  assert.equal(shown.slice(0, 16), `${local.slice(0, 10)} ${local.slice(11, 16)}`, 'three hours behind UTC');
  const who = await (await page.request.get(`${base}/api/v1/rotations/addon-sre/oncall?at=${day}T17:30:00Z`)).json();
  assert.equal(who.person.id, 'beatriz.nakamura', '14:30 São Paulo is 17:30 UTC: she holds it');
  const before = await (await page.request.get(`${base}/api/v1/rotations/addon-sre/oncall?at=${day}T15:30:00Z`)).json();
  assert.notEqual(before.person.id, 'beatriz.nakamura', '12:30 São Paulo is before her override');
  // A time the form cannot read is refused naming the field, and nothing is applied.
  await page.goto(`${base}/oncall/addon-sre#changes`);
  await page.locator('form[action$="/do/override"]').evaluate((f) => { f.noValidate = true; });
  await page.locator('form[action$="/do/override"] input[name=from]').evaluate((i) => { i.type = 'text'; i.value = 'tomorrow'; });
  await page.locator('form[action$="/do/override"] input[name=until]').fill(`${day}T18:00`);
  await page.locator('form[action$="/do/override"] input[name=reason]').fill('again');
  await page.locator('form[action$="/do/override"] button').click();
  assert.match(await page.locator('main').innerText(), /`tomorrow` is not a date and time \(YYYY-MM-DDTHH:MM\) \(field `from`\)/);
  await page.close();
});

test('someone outside the team sees the calendar but no forms to change it', async () => {
  const page = await signedIn('leila.fontaine');
  await page.goto(`${base}/oncall/addon-sre`);
  assert.equal(await page.locator('ol.calendar').count(), 1);
  assert.equal(await page.locator('form[action$="/do/swap"], form[action$="/do/override"]').count(), 0);
  await page.close();
});

test('My shifts: my turns on every rotation this month, each linked to where to swap it', async () => {
  for (const width of [1366, 390]) {
    const page = await signedIn('rohan.abernathy', width);
    await page.goto(`${base}/me/shifts`);
    const shifts = await upcoming(page, 'addon-sre');
    const thisMonth = new Date().toISOString().slice(0, 7);
    const mine = shifts.filter((s) => s.person.id === 'rohan.abernathy' && s.start.slice(0, 7) === thisMonth && Date.parse(s.end) > Date.now());
    const items = page.locator('ul.shifts li', { hasText: 'Addon SRE primary' });
    if (mine.length) assert.ok(await items.count() >= mine.length, `each of his ${mine.length} shifts ahead this month is listed`);
    // Rohan is in two rotations (the primary and follow-the-sun's Kolkata region).
    const text = await page.locator('ol.calendar').innerText();
    assert.match(text, /Addon SRE/);
    assert.ok(!(await scrollsSideways(page)), `nothing scrolls sideways at ${width} px`);
    await page.screenshot({ path: join(shots, `my-shifts-${width < 600 ? 'phone' : 'desk'}.png`), fullPage: true });
    if (width > 600 && await items.count()) {
      await items.first().locator('a', { hasText: 'Swap or find cover' }).click();
      assert.match(page.url(), /\/oncall\/addon-sre(-sun)?#changes$/);
    }
    await page.close();
  }
});

test('on a phone the rotation calendar is a list of days, and nothing scrolls sideways', async () => {
  const page = await signedIn('aoife.delacroix', 390);
  await page.goto(`${base}/oncall/addon-sre#calendar`);
  assert.ok(!(await scrollsSideways(page)));
  assert.equal(await page.locator('.weekdays').isVisible(), false, 'no weekday header row on a phone');
  const day = page.locator('ol.calendar li.day[aria-current=date]');
  assert.match(await day.innerText(), /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d+/, 'each day says its weekday');
  await page.screenshot({ path: join(shots, 'rotation-calendar-phone.png'), fullPage: true });
  await page.close();
});

test('leave recorded on the rotation page shows on the calendar as away, and nobody away holds a turn', async () => {
  const page = await signedIn('rohan.abernathy');
  const from = new Date(Date.now() + 20 * 86400_000).toISOString().slice(0, 10);
  const to = new Date(Date.now() + 21 * 86400_000).toISOString().slice(0, 10);
  await page.goto(`${base}/oncall/addon-sre#swaps`);
  const form = page.locator('form[action$="/do/leave"]');
  await form.locator('input[name=from]').fill(from);
  await form.locator('input[name=to]').fill(to);
  await form.locator('input[name=reason]').fill('family wedding');
  await form.locator('button').click();
  await page.waitForSelector('text=leave recorded');
  await page.goto(`${base}/oncall/addon-sre?month=${from.slice(0, 7)}#calendar`);
  const day = page.locator('ol.calendar li.day', { has: page.locator('.date', { hasText: new RegExp(`^(\\w{3} )?${Number(from.slice(8, 10))}$`) }) }).filter({ hasNot: page.locator('.date', { hasText: /[A-Z][a-z]{2}$/ }) });
  const text = await day.first().innerText();
  assert.match(text, /away: Rohan Abernathy/, text);
  assert.doesNotMatch(text.replace(/away: Rohan Abernathy/, ''), /Rohan Abernathy/, 'no turn of his on a day he is away');
  await page.screenshot({ path: join(shots, 'rotation-calendar-leave.png'), fullPage: true });
  await page.close();
});
