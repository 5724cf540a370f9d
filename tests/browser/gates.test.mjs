// Production gates on the dashboard, in headless Chromium against `baton demo`, which
// seeds some of lumen-metrics' promote-to-prod sign-offs and streamhub on its way to
// customers. A platform-sre engineer approves lumen-metrics' gate and sees that
// requirement turn met; streamhub shows its reduced assurance.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const root = resolve(import.meta.dirname, '../..');
const shots = join(root, 'artifacts/screenshots');
mkdirSync(shots, { recursive: true });

let server, base, browser;
const tokens = {};

// Starts `baton demo` on a free loopback port and reads its URL and tokens from stdout.
function startDemo() {
  const bin = process.env.BATON_BIN ?? join(root, 'target/debug/baton');
  const dataDir = mkdtempSync(join(tmpdir(), 'baton-browser-'));
  const child = spawn(bin, ['demo', '--listen', '127.0.0.1:0'], {
    cwd: root,
    env: { ...process.env, BATON_DATA_DIR: dataDir, BATON_LOG: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolveUrl, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`baton demo did not start:\n${out}`)), 60_000);
    child.on('exit', (code) => reject(new Error(`baton demo exited with ${code}:\n${out}`)));
    child.stdout.on('data', (chunk) => {
      out += chunk;
      for (const m of out.matchAll(/^\s+([a-z.]+)\s+(baton_[0-9a-f_]+)$/gm)) tokens[m[1]] = m[2];
      const url = out.match(/serving on (http:\/\/127\.0\.0\.1:\d+)\//);
      if (url) {
        clearTimeout(timer);
        resolveUrl({ child, url: url[1] });
      }
    });
  });
}

before(async () => {
  ({ child: server, url: base } = await startDemo());
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
});

async function signIn(page, person) {
  await page.goto(`${base}/login`);
  await page.fill('input[name=token]', tokens[person]);
  await page.click('button[type=submit]');
  await page.waitForSelector(`text=Signed in as ${person}`);
}

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
  await page.waitForSelector('text=Recorded: vote');

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
