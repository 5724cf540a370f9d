// How Baton reaches a person, in headless Chromium against `baton demo`: noor signs in,
// opens Notifications from the header, adds her phone's webhook (a receiver this test
// runs on loopback gets the code), types the code, and sets her rules; on a 390 px phone
// nothing scrolls sideways. The demo has no mail server, so her email says it cannot be
// used rather than queueing mail nobody sends.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { launchChromium, shots, signInAs, startDemo } from './demo.mjs';

let server, base, browser, receiver, receiverUrl;
const tokens = {};
const received = [];

before(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ path: req.url, body: JSON.parse(body || 'null') });
      res.end('ok');
    });
  });
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${receiver.address().port}`;
  ({ child: server, url: base } = await startDemo(tokens));
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
  receiver?.close();
});

async function noSidewaysScroll(page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page scrolls ${overflow}px sideways`);
}

test('noor adds her phone, verifies it with the code sent to it, and sets her rules', async () => {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  await signInAs(page, base, tokens['noor.castellano'], 'noor.castellano');
  await page.click('header >> text=Notifications');
  assert.match(await page.locator('h1').innerText(), /How Baton reaches you/);
  const email = page.locator('.method', { hasText: 'noor.castellano@example.com' });
  assert.match(await email.innerText(), /Cannot be used: the server has no mail server configured/);

  const add = page.locator('form', { hasText: 'Add a method' });
  await add.getByLabel('Name it').fill('phone');
  await add.getByLabel('Type').selectOption('webhook');
  await add.getByLabel('Address').fill(`${receiverUrl}/push/noor`);
  await add.getByRole('button', { name: 'Add and send a code' }).click();
  assert.match(await page.locator('.banner.ok').innerText(), /added: type the code sent to it/);
  const phone = page.locator('.method', { has: page.locator('strong', { hasText: /^phone$/ }) });
  assert.match(await phone.innerText(), /Waiting for its code/);

  let code;
  for (let i = 0; i < 50 && !code; i++) {
    code = received.find((r) => r.path === '/push/noor')?.body?.text?.match(/^(\d{6})/)?.[1];
    if (!code) await page.waitForTimeout(100);
  }
  assert.ok(code, `a code arrived at the phone: ${JSON.stringify(received)}`);
  await phone.getByLabel('Code').fill('000000');
  await phone.getByRole('button', { name: 'Verify' }).click();
  assert.match(await page.locator('p[role=alert]').innerText(), /not the code sent to `phone` \(4 tries left\)/);
  await page.locator('.method', { has: page.locator('strong', { hasText: /^phone$/ }) }).getByLabel('Code').fill(code);
  await page.locator('.method', { has: page.locator('strong', { hasText: /^phone$/ }) }).getByRole('button', { name: 'Verify' }).click();
  assert.match(await page.locator('.banner.ok').innerText(), /verified/);
  assert.match(await page.locator('.method', { has: page.locator('strong', { hasText: /^phone$/ }) }).innerText(), /\bOn\b/);

  const rules = page.locator('form', { hasText: 'Save rules' });
  await rules.getByLabel('Pages').fill('phone, phone after 5m');
  await rules.getByLabel('Tickets').fill('');
  await rules.getByLabel('Information (RACI notices, reminders, requests)').fill('phone');
  await rules.getByLabel('Quiet hours').fill('22:00-07:00');
  await rules.getByRole('button', { name: 'Save rules' }).click();
  assert.match(await page.locator('.banner.ok').innerText(), /rules saved/);
  assert.equal(await page.locator('form', { hasText: 'Save rules' }).getByLabel('Pages').inputValue(), 'phone, phone after 5m');
  const warnings = await page.locator('.problems li').allInnerTexts();
  assert.ok(warnings.some((w) => /nothing reaches them for ticket notifications/.test(w)), warnings.join('\n'));
  await page.screenshot({ path: join(shots, 'notifications.png'), fullPage: true });

  // The API says the same.
  const contact = await (await page.request.get(`${base}/api/v1/people/noor.castellano/contact`,
    { headers: { Authorization: `Bearer ${tokens['noor.castellano']}` } })).json();
  assert.deepEqual(contact.rules.map((r) => [r.urgency, r.method, r.after ?? null]),
    [['page', 'phone', null], ['page', 'phone', '5m'], ['info', 'phone', null]]);
  assert.equal(contact.quiet_hours, '22:00-07:00');

  const phoneView = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await signInAs(phoneView, base, tokens['noor.castellano'], 'noor.castellano');
  await phoneView.goto(`${base}/me/notifications`);
  await noSidewaysScroll(phoneView);
  await phoneView.screenshot({ path: join(shots, 'notifications-phone.png'), fullPage: true });
  await page.close();
  await phoneView.close();
});

test('an acknowledge link that is not Baton\'s is refused on a page that says so', async () => {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  const response = await page.goto(`${base}/a/6869.00112233445566778899aabbccddeeff`);
  assert.equal(response.status(), 403);
  assert.match(await page.locator('main').innerText(), /not one Baton made[\s\S]*Nothing was changed/);
  await noSidewaysScroll(page);
  await page.screenshot({ path: join(shots, 'ack-link-refused-phone.png'), fullPage: true });
  await page.close();
});

test('a page reaches the on-call engineer\'s phone with a link that acknowledges the alert after one press', async () => {
  // streamhub is SRE-owned in the demo: a critical alert pages addon-sre's on-call first.
  const oncall = await (await fetch(`${base}/api/v1/rotations/addon-sre/oncall`)).json();
  const who = oncall.person.id;
  if (!tokens[who]) {
    const made = await fetch(`${base}/api/v1/tokens`, { method: 'POST',
      headers: { Authorization: `Bearer ${tokens.admin}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ person: who, name: 'browser' }) });
    assert.equal(made.status, 201, await made.clone().text());
    tokens[who] = (await made.json()).secret;
  }
  const auth = { Authorization: `Bearer ${tokens[who]}` };
  const call = async (method, path, body) => {
    const r = await fetch(`${base}${path}`, { method, headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    assert.ok(r.ok, `${method} ${path}: ${r.status} ${await r.clone().text()}`);
    return r.json();
  };
  const me = `/api/v1/people/${who}`;
  await call('POST', `${me}/contact-methods`, { id: 'phone', type: 'webhook', url: `${receiverUrl}/push/${who}` });
  let code;
  for (let i = 0; i < 50 && !code; i++) {
    code = received.find((r) => r.path === `/push/${who}`)?.body?.text?.match(/^(\d{6})/)?.[1];
    if (!code) await new Promise((r) => setTimeout(r, 100));
  }
  await call('POST', `${me}/contact-methods/phone/verify`, { code });
  await call('PUT', `${me}/notification-rules`, { rules: [
    { urgency: 'page', method: 'phone' }, { urgency: 'page', method: 'phone', after: '5m' }] });

  const owner = { Authorization: `Bearer ${tokens['noor.castellano']}`, 'Content-Type': 'application/json' };
  const made = await fetch(`${base}/api/v1/integrations`, { method: 'POST', headers: owner,
    body: JSON.stringify({ service: 'streamhub', name: 'browser', format: 'generic' }) });
  assert.equal(made.status, 201);
  const { key } = await made.json();
  const sent = await fetch(`${base}/api/v1/intake/${key}/generic`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ dedup_key: 'phone-page', status: 'firing', summary: 'publish errors above 5%', severity: 'critical' }),
  });
  assert.equal(sent.status, 200);
  let page;
  for (let i = 0; i < 100 && !page; i++) {
    page = received.find((r) => r.path === `/push/${who}` && r.body?.kind === 'page' && r.body?.alert?.dedup_key === 'phone-page');
    if (!page) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(page, `the page reached ${who}'s phone`);
  const ack = page.body.links.find((l) => l.label === 'Acknowledge');
  assert.ok(ack && ack.url.startsWith(`${base}/a/`), JSON.stringify(page.body.links));

  const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await phone.goto(ack.url);
  assert.match(await phone.locator('h1').innerText(), /Acknowledge this alert\?/);
  assert.match(await phone.locator('main').innerText(), /publish errors above 5%/);
  await noSidewaysScroll(phone);
  await phone.screenshot({ path: join(shots, 'ack-link-confirm-phone.png'), fullPage: true });
  await phone.getByRole('button', { name: 'Acknowledge' }).click();
  assert.match(await phone.locator('[role=status]').innerText(), new RegExp(`Acknowledged by ${who.replace('.', '\\.')}`));
  await phone.screenshot({ path: join(shots, 'ack-link-done-phone.png'), fullPage: true });
  const alert = await (await fetch(`${base}/api/v1/alerts/streamhub/phone-page`, { headers: auth })).json();
  assert.equal(alert.status, 'acknowledged');
  assert.ok(alert.history.some((e) => new RegExp(`not sent \\(${who}.* by phone`).test(e.what)),
    'the 5-minute follow-up was dropped: ' + alert.history.map((e) => e.what).join(' | '));
  await phone.close();
});
