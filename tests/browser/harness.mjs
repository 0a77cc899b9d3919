// SPDX-License-Identifier: MIT OR Apache-2.0
// Helpers for the browser tests, which `cargo xtask test` runs with `node --test` against its own static server.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

/** Chromium flags that keep a headless run quiet, offline and sandbox-free (tests run as root in CI). */
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** Launches Debian's headless Chromium with a fresh profile, removed by `context.close()`. @returns {Promise<import('playwright-core').BrowserContext>} */
export async function launchBrowser() {
  const profile = mkdtempSync(join(tmpdir(), 'beamviz-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
  });
  // The profile goes when the context is closed. Chromium can still be writing to it for a moment,
  // so retry, asynchronously: a blocking retry loop would stall Playwright's own shutdown.
  const close = context.close.bind(context);
  context.close = async (options) => {
    await close(options);
    await rm(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 }).catch(() => {});
  };
  return context;
}

/** The URL of the served `www/`, ending in `/`. @returns {string} */
export function baseUrl() {
  const url = process.env.BEAMVIZ_URL;
  if (!url) throw new Error('BEAMVIZ_URL is not set: run the browser tests with `cargo xtask test`');
  return url;
}

/** `tests/browser/screenshots/` (git-ignored), created if missing. @returns {string} */
export function screenshotDir() {
  const dir = join(dirname(fileURLToPath(import.meta.url)), 'screenshots');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Collects console errors and uncaught exceptions of `page` into the returned array. @param {import('playwright-core').Page} page @returns {string[]} */
export function collectConsoleErrors(page) {
  const errors = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(String(error)));
  return errors;
}
