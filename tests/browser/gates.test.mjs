// Production gates on the dashboard, in headless Chromium against `baton demo`, which
// seeds some of lumen-metrics' promote-to-prod sign-offs and streamhub on its way to
// customers. A platform-sre engineer approves lumen-metrics' gate and sees that
// requirement turn met; streamhub shows its reduced assurance.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openDemo, shots, signInAs } from './demo.mjs';

let demo, base, browser, tokens;
before(async () => ({ base, browser, tokens } = demo = await openDemo()));
after(() => demo?.close());

const signIn = (page, person) => signInAs(page, base, tokens[person], person);

test('a platform-sre engineer approves a gate and the requirement turns met', async () => {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  await signIn(page, 'jonas.achterberg');
  await page.goto(`${base}/services/lumen-metrics`);
  const gate = page.locator('#gate-promote-to-prod');
  const row = gate.locator('tr[data-requirement="approval:platform-sre"]');
  assert.equal((await row.locator('td.status').innerText()).trim(), 'unmet');
  assert.match(await row.innerText(), /no \+1 from a member of platform-sre/);
  assert.match(await row.innerText(), /jonas\.achterberg/, 'says who can act');

  const form = gate.locator('form[action$="/gates/promote-to-prod/vote"]');
  assert.deepEqual(await form.locator('select[name=team] option').allInnerTexts(), ['platform-sre'],
    'only the viewer\'s teams that the gate asks');
  await form.locator('select[name=vote]').selectOption('plus');
  await form.locator('input[name=comment]').fill('Early content in production signed off for platform-sre');
  await form.locator('input[name=evidence]').fill('https://git.example.com/lumen/merge_requests/12');
  await form.locator('button').click();
  await page.waitForSelector('text=Recorded: vote on promote-to-prod');
  // The confirmation is in the gate voted on, where the page lands, not off-screen at the top.
  assert.match(page.url(), /#gate-promote-to-prod$/);
  assert.match(await gate.locator('.banner.ok').innerText(), /Recorded: vote on promote-to-prod/);
  assert.ok(await gate.locator('.banner.ok').isVisible());

  await page.reload();
  const after = page.locator('#gate-promote-to-prod tr[data-requirement="approval:platform-sre"]');
  assert.equal((await after.locator('td.status').innerText()).trim(), 'met');
  assert.match(await after.innerText(), /\+1 from jonas\.achterberg .*Early content in production signed off/);
  await page.locator('#gate-promote-to-prod').screenshot({ path: join(shots, 'gate-approved.png') });
  await page.screenshot({ path: join(shots, 'service-gates.png'), fullPage: true });
  await page.close();
});

test('a service in production on reduced criteria says so on the board and its page', async () => {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  await page.goto(base);
  const card = page.locator('.card', { hasText: 'StreamHub' }).first();
  assert.match(await card.innerText(), /reduced assurance/);
  await page.goto(`${base}/services/streamhub`);
  assert.match(await page.locator('h1').innerText(), /reduced assurance/);
  const release = page.locator('#gate-customer-release');
  assert.equal((await release.locator('tr[data-requirement="approval:subscriptions"] td.status').innerText()).trim(), 'unmet');
  await release.screenshot({ path: join(shots, 'gate-customer-release.png') });
  await page.close();
});

test('a gate that does not apply is one line, and a rejected service says why at the top', async () => {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  await page.goto(`${base}/services/tenant-insights`);
  const na = page.locator('section.gate.na');
  assert.ok(await na.count() >= 1, 'tenant-insights has gates that do not apply to it');
  assert.match(await na.first().innerText(), /not applicable/);
  assert.equal(await na.locator('table').count(), 0, 'no requirement table for a gate that does not apply');
  assert.doesNotMatch(await na.first().innerText(), /does not pass/);

  await signIn(page, 'helga.marchetti');
  await page.goto(`${base}/services/inkwell-notebooks`);
  const reject = page.locator('form[action$="/do/reject"]');
  await reject.locator('input[name=reason]').fill('overlaps with lumen-metrics');
  await reject.locator('input[name=confirm]').check();
  await reject.locator('button').click();
  const why = page.locator('.banner.bad[role=note]');
  await why.waitFor();
  assert.match(await why.innerText(), /Rejected by helga\.marchetti on .*: overlaps with lumen-metrics/);
  assert.match(await page.locator('main').innerText(), /Gates and steps do not apply to a service that is rejected/);
  assert.equal(await page.locator('table.gate').count(), 0, 'no gate tables for a rejected service');
  await page.screenshot({ path: join(shots, 'service-rejected.png'), fullPage: true });
  await page.close();
});
