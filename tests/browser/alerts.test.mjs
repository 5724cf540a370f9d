// Alerts on the dashboard, in headless Chromium against `baton demo`, which sends a few
// alerts through the real intake: the alert list, one alert's page with its history and
// who was paged, and acknowledging it from the browser.
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
