// Every page of the dashboard, as the people of the example organisation see it, at a
// desktop width and on a phone: axe-core finds no serious or critical accessibility
// violation, nothing scrolls sideways on a phone, and a screenshot of each is kept in
// artifacts/screenshots/pages/ for people to look at.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openDemo, shots, signInAs } from './demo.mjs';

const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const dir = join(shots, 'pages');
mkdirSync(dir, { recursive: true });

let demo, base, browser, tokens;
before(async () => ({ base, browser, tokens } = demo = await openDemo()));
after(() => demo?.close());

const widths = [{ name: 'desktop', width: 1366, height: 900 }, { name: 'phone', width: 390, height: 844 }];

// Runs axe-core on the page (the page's strict CSP would refuse an injected script, so
// the context bypasses CSP for the audit alone) and returns its serious and critical
// violations, each with the first nodes it names.
async function audit(page) {
  await page.addScriptTag({ path: axePath });
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
  });
  return result;
}

// Visits `path` at both widths as `person` (anonymous when null), checks it, and keeps a
// screenshot of each.
async function check(path, name, person = null) {
  const failures = [];
  for (const w of widths) {
    const context = await browser.newContext({
      viewport: { width: w.width, height: w.height },
      isMobile: w.name === 'phone',
      bypassCSP: true,
    });
    const page = await context.newPage();
    if (person) await signInAs(page, base, tokens[person], person);
    const response = await page.goto(`${base}${path}`);
    assert.ok(response.ok(), `${path}: ${response.status()}`);
    for (const v of await audit(page)) failures.push(`${path} (${w.name}): ${v}`);
    if (w.name === 'phone') {
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      if (overflow > 1) {
        const wide = await page.evaluate(() => [...document.querySelectorAll('main *')]
          .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
          .slice(0, 3).map((e) => `${e.tagName.toLowerCase()}.${e.className}: ${e.textContent.trim().slice(0, 40)}`));
        failures.push(`${path} (phone): scrolls sideways by ${overflow}px: ${wide.join(' | ')}`);
      }
    }
    await page.screenshot({ path: join(dir, `${name}-${w.name}.png`), fullPage: true });
    await context.close();
  }
  return failures;
}

test('every page is accessible and fits a phone, signed out and signed in', async () => {
  const pages = [
    ['/', 'board'],
    ['/login', 'login'],
    ['/slos', 'slos'],
    ['/slos/lumen-metrics-availability', 'slo-lumen-metrics-availability'],
    ['/slos/streamhub-availability', 'slo-streamhub-availability'],
    ['/oncall', 'oncall'],
    ['/oncall/addon-sre', 'rotation-addon-sre'],
    ['/oncall/addon-sre-sun', 'rotation-addon-sre-sun'],
    ['/alerts', 'alerts'],
  ];
  for (const s of ['streamhub', 'streamhub-connect', 'keyring', 'lumen-metrics', 'inkwell-notebooks', 'ferry', 'tenant-insights']) {
    pages.push([`/services/${s}`, `service-${s}`]);
  }
  const failures = [];
  for (const [path, name] of pages) failures.push(...await check(path, name));
  // Signed in, pages grow forms: the owner of a service in transition, the architect who
  // decides proposals, the SRE lead, someone with notifications of their own.
  failures.push(...await check('/services/streamhub-connect', 'service-streamhub-connect-owner', 'noor.castellano'));
  failures.push(...await check('/services/tenant-insights', 'service-tenant-insights-architect', 'helga.marchetti'));
  failures.push(...await check('/oncall/addon-sre', 'rotation-addon-sre-member', 'beatriz.nakamura'));
  failures.push(...await check('/me/notifications', 'notifications', 'noor.castellano'));
  failures.push(...await check('/me', 'my-work', 'noor.castellano'));
  failures.push(...await check('/me/shifts', 'my-shifts', 'rohan.abernathy'));
  failures.push(...await check('/me', 'my-work-architect', 'helga.marchetti'));
  // One alert's page, from the list.
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${base}/alerts`);
  const href = await page.locator('main a[href^="/alerts/"]').first().getAttribute('href');
  await context.close();
  failures.push(...await check(href, 'alert'));
  failures.push(...await check(href, 'alert-owner', 'noor.castellano'));
  assert.deepEqual(failures, []);
});
