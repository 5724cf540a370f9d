// The dashboard as a person uses it, in headless Chromium against the real server running
// the example organisation (`baton demo` on a fresh SQLite file). Screenshots are kept in
// artifacts/screenshots/ for people to look at.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openDemo, shots, signInAs, startDemo } from './demo.mjs';

let demo, base, browser, tokens;
before(async () => ({ base, browser, tokens } = demo = await openDemo()));
after(() => demo?.close());

const signIn = (page, person) => signInAs(page, base, tokens[person], person);

test('the board shows every example service by stage, with what blocks it', async () => {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  await page.goto(base);
  for (const column of ['Kickoff: proposed', 'Kickoff: accepted', 'Onboarding', 'Transition', 'SRE-owned']) {
    assert.ok(await page.locator('section.column h2', { hasText: column }).count(), column);
  }
  const transition = page.locator('section.column', { hasText: 'Transition' });
  assert.match(await transition.innerText(), /StreamHub Connect/);
  assert.match(await transition.innerText(), /transition window/);
  await page.screenshot({ path: join(shots, 'board.png'), fullPage: true });
  await page.close();
});

test('the strict Content-Security-Policy lets the page\'s own style through and nothing else', async () => {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  const violations = [];
  page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) violations.push(m.text()); });
  const response = await page.goto(base);
  assert.match(response.headers()['content-security-policy'], /default-src 'none'/);
  // The stylesheet applied: the header is laid out as a flex row, not as unstyled blocks.
  assert.equal(await page.locator('header').evaluate((h) => getComputedStyle(h).display), 'flex');
  assert.deepEqual(violations, [], 'no blocked resource');
  await page.close();
});

test('the board is usable on a phone', async () => {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
  await page.goto(base);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `the page scrolls sideways by ${overflow}px`);
  await page.screenshot({ path: join(shots, 'board-phone.png'), fullPage: true });
  await page.close();
});

test('rejecting is final: the form asks for a confirmation, and the server insists on it', async () => {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  await signIn(page, 'helga.marchetti');
  await page.goto(`${base}/services/inkwell-notebooks`);
  const reject = page.locator('form[action$="/do/reject"]');
  assert.match(await reject.innerText(), /I understand this cannot be undone/);
  await reject.locator('input[name=reason]').fill('not in scope this quarter');
  // A browser that does not enforce `required`: the server refuses and nothing changes.
  await reject.locator('input[name=confirm]').evaluate((box) => box.removeAttribute('required'));
  await reject.locator('button').click();
  await page.locator('.banner.bad').waitFor();
  assert.match(await page.locator('.banner.bad').innerText(), /to reject is final: tick "I understand this cannot be undone" to confirm/);
  assert.match(await page.locator('h1').innerText(), /proposed/, 'still proposed: the next test accepts it');
  await page.close();
});

test('an architect signs in and accepts a proposal; what they typed is shown, escaped', async () => {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  await signIn(page, 'helga.marchetti');
  await page.goto(`${base}/services/inkwell-notebooks`);
  assert.match(await page.locator('h1').innerText(), /proposed/);
  const reason = 'Fits the data addons <script>window.pwned = 1</script> & <b>bold</b>';
  const accept = page.locator('form[action$="/do/accept"]');
  await accept.locator('select[name=priority]').selectOption('p3');
  await accept.locator('input[name=reason]').fill(reason);
  await accept.locator('button').click();
  await page.waitForSelector('text=Recorded: accept');
  assert.match(await page.locator('h1').innerText(), /accepted/);
  assert.ok((await page.locator('body').innerText()).includes(reason), 'the reason appears as typed');
  assert.equal(await page.evaluate(() => window.pwned), undefined, 'no script from user input ran');
  assert.equal(await page.locator('table b').count(), 0, 'no markup from user input was rendered');
  await page.screenshot({ path: join(shots, 'service-accepted.png'), fullPage: true });
  await page.close();
});

test('a refused step lists every unmet condition', async () => {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  await signIn(page, 'jonas.achterberg');
  await page.goto(`${base}/services/lumen-metrics`);
  await page.locator('form[action$="/do/production"] button').click();
  const alert = page.locator('.banner.bad');
  await alert.waitFor();
  const text = await alert.innerText();
  assert.match(text, /neither done nor waived/);
  assert.match(text, /no soak test has been recorded/);
  assert.ok((await alert.locator('li').count()) >= 2);
  await page.screenshot({ path: join(shots, 'service-refused.png'), fullPage: true });
  await page.close();
});

test('an SRE is offered the checklist items that are theirs, not another team\'s', async () => {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  await signIn(page, 'jonas.achterberg');
  await page.goto(`${base}/services/lumen-metrics`);
  const done = page.locator('form[action*="/do/complete/"]');
  assert.ok(await done.count() > 0, 'the acceptance checklist is the SRE team\'s to attest');
  // customer-support's own requirements, on its checklist, are attested by customer-support only.
  assert.match(await page.locator('main').innerText(), /Support documentation published/);
  assert.equal(await page.locator('form[action$="/do/complete/support-docs-published"]').count(), 0);
  assert.equal(await page.locator('form[action$="/do/complete/sop-access-for-support"]').count(), 0);
  await page.close();
});

test('someone outside the team gets no form, and is told whose step it is', async () => {
  const page = await browser.newPage();
  await signIn(page, 'leila.fontaine');
  await page.goto(`${base}/services/keyring`);
  assert.equal(await page.locator('form[action$="/do/assign"]').count(), 0, 'no form she would be refused');
  assert.match(await page.locator('main').innerText(), /No step of this service is yours to take now\. An SRE lead assigns it\./);
  await page.close();
});

test('a form without this session\'s CSRF token is refused', async () => {
  // The page's Content-Security-Policy forbids scripts from fetching at all; the forged
  // request is made with it set aside, to show the server refuses it on its own.
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await signIn(page, 'helga.marchetti');
  await page.goto(`${base}/services/keyring`);
  const status = await page.evaluate(async () => {
    const body = new URLSearchParams({ csrf: 'forged', reason: 'forged' });
    return (await fetch('/services/keyring/do/retire', { method: 'POST', body })).status;
  });
  assert.equal(status, 403);
  await page.reload();
  assert.match(await page.locator('h1').innerText(), /accepted/, 'nothing changed');
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === 'baton_session');
  assert.ok(session.httpOnly, 'the session cookie is HttpOnly');
  assert.equal(session.sameSite, 'Strict');
  await context.close();
});

test('a wrong token does not sign in, and signing out ends the session', async () => {
  const page = await browser.newPage();
  await page.goto(`${base}/login`);
  await page.fill('input[name=token]', 'baton_000000000000_nope');
  await page.click('button[type=submit]');
  await page.waitForSelector('text=not valid');
  await signIn(page, 'noor.castellano');
  await page.click('text=Sign out');
  await page.waitForSelector('header >> text=Sign in');
  await page.goto(`${base}/services/streamhub`);
  assert.equal(await page.locator('form[action*="/do/"]').count(), 0, 'no step forms once signed out');
  await page.close();
});

test('on a server that opens no reads, a page asks to sign in and comes back to it', async () => {
  const closedTokens = {};
  const { child, url } = await startDemo(closedTokens, ['--open-reads', 'none']);
  try {
    const page = await browser.newPage();
    await page.goto(`${url}/oncall/addon-sre`);
    assert.equal(new URL(page.url()).pathname, '/login', 'sent to the sign-in form');
    assert.equal(await page.locator('text=Beatriz Nakamura').count(), 0, 'nobody is named before signing in');
    await page.screenshot({ path: join(shots, 'sign-in-first.png') });
    await page.fill('input[name=token]', closedTokens['noor.castellano']);
    await page.click('button[type=submit]');
    await page.waitForSelector('text=Signed in as noor.castellano');
    assert.equal(new URL(page.url()).pathname, '/oncall/addon-sre', 'back where they asked to go');
    assert.ok(await page.locator('text=Beatriz Nakamura').count(), 'the schedule, once signed in');
    await page.close();
  } finally {
    child.kill('SIGTERM');
  }
});

test('unknown pages say so and lead back', async () => {
  const page = await browser.newPage();
  const resp = await page.goto(`${base}/no/such/page`);
  assert.equal(resp.status(), 404);
  assert.match(await page.locator('body').innerText(), /Back to the pipeline board/);
  await page.close();
});

test('a service page says who is on call for it, and why', async () => {
  const page = await browser.newPage();
  await page.goto(`${base}/services/streamhub`);
  const oncall = page.locator('li.oncall');
  assert.equal(await oncall.count(), 2, 'addon-sre has two rotations: the primary and the follow-the-sun');
  assert.match(await oncall.first().innerText(), /Addon SRE primary/);
  assert.match(await oncall.nth(1).innerText(), /Addon SRE follow-the-sun/);
  await page.goto(`${base}/services/keyring`);
  assert.match(await page.locator('body').innerText(), /No SRE team is assigned yet/);
  await page.close();
});

test('a service page shows its SLOs: budget burn-down, firing tiers, and sources without data', async () => {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  await page.goto(`${base}/services/lumen-metrics`);
  const availability = page.locator('#slo-lumen-metrics-availability');
  assert.match(await availability.innerText(), /Error budget left/);
  assert.equal(await availability.locator('svg.wide path.budget').count(), 1, 'a burn-down chart');
  assert.ok(await availability.locator('tr.firing').count() >= 1, 'the fast-burn page tier fires');
  assert.match(await availability.innerText(), /Error-budget policy\s+at-risk/, 'a firing page tier puts the budget at risk');
  const latency = page.locator('#slo-lumen-metrics-query-latency');
  assert.match(await latency.innerText(), /No data: .*unreachable/);
  await availability.screenshot({ path: join(shots, 'slo-burning.png') });
  await page.screenshot({ path: join(shots, 'service-slos.png'), fullPage: true });
  await page.close();
});

test('an SLO page: budget burn-down and the SLI day by day with axes and values, tiers and its alerts', async () => {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  await page.goto(`${base}/slos?service=lumen-metrics`);
  await page.locator('table.slos a', { hasText: /availability/i }).first().click();
  assert.match(page.url(), /\/slos\/lumen-metrics-availability$/);
  const report = await (await page.request.get(`${base}/api/v1/slos/lumen-metrics-availability/report`)).json();
  const charts = page.locator('figure.chart');
  assert.equal(await charts.count(), 2, 'the burn-down and the SLI over time');
  const sli = charts.nth(1).locator('svg.wide');
  assert.match(await sli.innerHTML(), /good \(%\)/, 'the y axis says what it measures, with its unit');
  assert.ok((await sli.locator('text.axis').allTextContents()).some((t) => /^\d+ [A-Z][a-z]{2}$/.test(t)), 'the x axis has dates');
  // Every day with data is a point whose tooltip is its value, the same figure the API gives.
  const days = report.burn_down.filter((p) => p.sli.status === 'value');
  const titles = await sli.locator('circle.point title').allTextContents();
  assert.ok(titles.length >= 2 && titles.length === days.length, `${titles.length} points for ${days.length} days with data`);
  const last = days[days.length - 1];
  const v = last.sli.value;
  assert.ok(titles.some((t) => t.endsWith(`: ${(v * 100).toFixed(3)}%`)), `the last day's value ${v} is on a point: ${titles.slice(-2)}`);
  await sli.locator('circle.point').last().hover();
  assert.match(await page.locator('main').innerText(), /Alert tier/);
  assert.ok(await page.locator('#alerts').count());
  await page.screenshot({ path: join(shots, 'slo-page.png'), fullPage: true });
  await page.close();

  const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await phone.goto(`${base}/slos/lumen-metrics-availability`);
  assert.ok(await phone.locator('figure.chart svg.narrow').first().isVisible(), 'a phone gets the narrow drawing');
  assert.equal(await phone.locator('figure.chart svg.wide').first().isVisible(), false);
  const box = await phone.locator('figure.chart svg.narrow').first().boundingBox();
  assert.ok(box.width >= 300, `the chart fills the phone's width: ${box.width}`);
  assert.ok(await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'nothing scrolls sideways');
  await phone.screenshot({ path: join(shots, 'slo-page-phone.png'), fullPage: true });
  await phone.close();
});

test('the SLO overview lists every SLO and sorts the least budget first', async () => {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  await page.goto(base);
  await page.click('header >> text=SLOs');
  assert.match(await page.locator('h1').innerText(), /SLOs/);
  const rows = page.locator('table.slos tr');
  assert.equal(await rows.count(), 1 + 6, 'a header and the six example SLOs');
  await page.selectOption('select[name=sort]', 'budget');
  await page.click('form.filters button');
  assert.match(page.url(), /sort=budget/);
  // The "Budget left" column, top to bottom: ascending, "no data" last.
  const left = (await page.locator('table.slos tr td:nth-child(5)').allInnerTexts()).map((t) => (t === 'no data' ? Infinity : parseFloat(t)));
  assert.equal(left.length, 6);
  assert.deepEqual(left, [...left].sort((a, b) => a - b), `least budget first: ${left}`);
  await page.screenshot({ path: join(shots, 'slos-overview.png'), fullPage: true });
  await page.selectOption('select[name=service]', 'streamhub');
  await page.click('form.filters button');
  assert.equal(await rows.count(), 1 + 2, "streamhub's two SLOs");
  await page.close();

  const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await phone.goto(`${base}/slos`);
  const width = await phone.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `the page does not scroll sideways on a phone (the table scrolls in its box): ${width}px`);
  await phone.screenshot({ path: join(shots, 'slos-overview-phone.png'), fullPage: false });
  await phone.close();
});
