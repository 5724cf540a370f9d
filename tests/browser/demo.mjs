// What every browser test shares: `baton demo` on a free loopback port (its URL and the
// tokens it prints read from stdout), Debian's Chromium, signing in, and where
// screenshots go.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const root = resolve(import.meta.dirname, '../..');
export const shots = join(root, 'artifacts/screenshots');
mkdirSync(shots, { recursive: true });

// Starts `baton demo` on a fresh data directory; fills `tokens` (person → token) from its output.
export function startDemo(tokens, extraArgs = []) {
  const bin = process.env.BATON_BIN ?? join(root, 'target/debug/baton');
  const dataDir = mkdtempSync(join(tmpdir(), 'baton-browser-'));
  const child = spawn(bin, ['demo', '--listen', '127.0.0.1:0', ...extraArgs], {
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

export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

export async function signInAs(page, base, token, person) {
  await page.goto(`${base}/login`);
  await page.fill('input[name=token]', token);
  await page.click('button[type=submit]');
  await page.waitForSelector(`text=Signed in as ${person}`);
}

// One `baton demo` and one Chromium for a test file: open it in the file's `before`, close
// it in its `after` (node:test runs a file's top-level hooks concurrently, so one hook
// does both the start and the assignments that depend on it).
export async function openDemo(extraArgs = []) {
  const tokens = {};
  const { child, url } = await startDemo(tokens, extraArgs);
  const browser = await launchChromium();
  return {
    base: url,
    browser,
    tokens,
    async close() {
      await browser.close();
      child.kill('SIGTERM');
    },
  };
}
