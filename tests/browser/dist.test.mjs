// SPDX-License-Identifier: MIT OR Apache-2.0
// `cargo xtask dist`: the folder is a valid npm package, self-contained (every import relative and present), and a
// page served from it (under the strict CSP, as `cargo xtask test` serves it at BEAMVIZ_DIST_URL) loads a widget
// through `beam-viz.js` with no request leaving the folder. Its precompressed files (`NAME.gz`) are the files gzipped,
// and the full page served from it arrives with them (the xtask server sends them as nginx's `gzip_static` does).
// By hand: `cargo xtask serve --dist --port N` (or `cargo xtask dist` and a static server that sends `.gz` files), and
// set BEAMVIZ_DIST_URL to its URL.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import { collectConsoleErrors, launchBrowser, screenshotDir } from './harness.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const DIST = join(ROOT, 'dist');

function distUrl() {
  const url = process.env.BEAMVIZ_DIST_URL;
  if (!url) throw new Error('BEAMVIZ_DIST_URL is not set: run with `cargo xtask test` (see this file\'s header)');
  return url;
}

/** Every file under `dir`, as paths relative to it. */
function walk(dir, base = dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path, base) : [relative(base, path)];
  });
}

test('package.json is publishable: name, the workspace version, files and exports that exist', () => {
  const pkg = JSON.parse(readFileSync(join(DIST, 'package.json'), 'utf8'));
  const cargo = readFileSync(join(ROOT, 'Cargo.toml'), 'utf8');
  const version = cargo.split('[workspace.package]')[1].match(/^version\s*=\s*"([^"]+)"/m)[1];
  assert.equal(pkg.name, 'beam-viz');
  assert.equal(pkg.version, version);
  assert.equal(pkg.type, 'module');
  assert.ok(!pkg.private, 'not private');
  assert.ok(pkg.license);
  for (const f of pkg.files) assert.ok(existsSync(join(DIST, f)), `files: ${f}`);
  for (const [key, target] of Object.entries(pkg.exports)) {
    if (target.includes('*')) assert.ok(existsSync(join(DIST, dirname(target))), `exports ${key}`);
    else assert.ok(existsSync(join(DIST, target)), `exports ${key}: ${target}`);
  }
  // Nothing ships that files does not list, and no tests ship.
  const listed = (f) => pkg.files.some((entry) => (entry.endsWith('/') ? f.startsWith(entry) : f === entry));
  for (const f of walk(DIST)) {
    assert.ok(listed(f) || f === 'package.json', `${f} is not in files`);
    assert.ok(!f.endsWith('.test.mjs'), `${f} is a test`);
  }
});

test('dist is self-contained: every import is relative and resolves inside it', () => {
  const modules = walk(DIST).filter((f) => f.endsWith('.js'));
  assert.ok(modules.includes('beam-viz.js') && modules.includes(join('pkg', 'beamviz_wasm.js')));
  for (const f of modules) {
    const src = readFileSync(join(DIST, f), 'utf8');
    const imports = [
      // Static imports and re-exports at the top level (after `;`, `}` or a line break), with or without spaces: the
      // shipped modules are minified (`import{a as b}from"./chunk-X.js";export{c}from"./d.js"`).
      ...src.matchAll(/(?<=^|[;}\n])\s*(?:import|export)\s*(?:[\w$\s{},*]*?\bfrom\s*)?['"]([^'"]+)['"]/g),
      ...src.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
    ].map((m) => m[1]);
    // Module specifiers must be relative (a bare name needs a bundler or an import map).
    for (const spec of imports) assert.ok(spec.startsWith('./') || spec.startsWith('../'), `${f} imports ${spec}`);
    const urls = [...src.matchAll(/new URL\(\s*['"]([^'"]+)['"]\s*,\s*import\.meta\.url/g)].map((m) => m[1]);
    for (const spec of [...imports, ...urls]) {
      assert.ok(!/^[a-z]+:|^\//i.test(spec), `${f} refers to ${spec} outside the folder`);
      const target = resolve(DIST, dirname(f), spec);
      assert.ok(target.startsWith(DIST) && existsSync(target), `${f} imports ${spec}, which is missing`);
    }
  }
});

test('every .gz file is its file gzipped, and smaller; every file a browser fetches has one unless it is tiny', () => {
  const files = walk(DIST);
  const gz = files.filter((f) => f.endsWith('.gz'));
  assert.ok(gz.includes(join('pkg', 'beamviz_wasm_bg.wasm.gz')) && gz.includes('index.html.gz'), gz.join());
  for (const f of gz) {
    const original = f.slice(0, -'.gz'.length);
    assert.ok(files.includes(original), `${f} has no ${original}`);
    const packed = readFileSync(join(DIST, f));
    assert.deepEqual(gunzipSync(packed), readFileSync(join(DIST, original)), `${f} is not ${original} gzipped`);
    assert.ok(packed.length < statSync(join(DIST, original)).size, `${f} is not smaller`);
  }
  // `cargo xtask dist` skips a .gz only where it would not be smaller: a few bytes of file.
  const fetched = files.filter((f) => /\.(html|js|css|svg|wasm|scn)$/.test(f));
  for (const f of fetched) {
    if (!gz.includes(`${f}.gz`)) assert.ok(statSync(join(DIST, f)).size < 200, `${f} has no .gz`);
  }
  assert.ok(!files.some((f) => /\.(d\.ts|md|json)\.gz$/.test(f)), 'no .gz of files no page fetches');
});

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

test('a page served from dist/ loads the widget through beam-viz.js, with no request leaving the folder', async () => {
  const page = await browser.newPage();
  const errors = collectConsoleErrors(page);
  const base = new URL(distUrl());
  const requests = [];
  page.on('requestfinished', async (req) => {
    const res = await req.response();
    requests.push({ url: req.url(), status: res?.status() });
  });
  page.on('requestfailed', (req) => requests.push({ url: req.url(), status: 'failed' }));
  await page.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective));
  });
  await page.goto(new URL('embed.html', base).href, { waitUntil: 'networkidle' });
  await page.waitForSelector('beam-viz[data-step="6"]');
  const viz = page.locator('beam-viz');
  await viz.locator('button.forward').click();
  await page.waitForSelector('beam-viz[data-step="7"]');
  const entry = await page.evaluate(async () => {
    const mod = await import(new URL('beam-viz.js', location.href).href);
    return { exported: typeof mod.BeamViz, defined: customElements.get('beam-viz') === mod.BeamViz };
  });
  assert.deepEqual(entry, { exported: 'function', defined: true });
  await page.screenshot({ path: join(screenshotDir(), 'dist-embed.png') });
  assert.ok(requests.some((r) => r.url.endsWith('beam-viz.js')), 'the page loaded the entry point');
  assert.ok(requests.some((r) => r.url.endsWith('.wasm')), 'the wasm module came from dist/');
  for (const r of requests) {
    assert.equal(new URL(r.url).origin, base.origin, `${r.url} left the folder's origin`);
    assert.equal(r.status, 200, r.url);
  }
  assert.deepEqual(await page.evaluate(() => window.__violations), []);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the full page from dist/ arrives precompressed: what the browser transfers is the .gz files', async (t) => {
  const page = await browser.newPage();
  const errors = collectConsoleErrors(page);
  const base = new URL(distUrl());
  const encodings = new Map();
  page.on('response', (res) => encodings.set(res.url(), res.headers()['content-encoding'] ?? null));
  await page.goto(new URL('index.html', base).href, { waitUntil: 'networkidle' });
  await page.waitForSelector('beam-viz[data-step="0"]');
  // Transfer sizes (body bytes as sent) of the page's own files: the document and every resource it fetched.
  const entries = await page.evaluate(() => [
    ...performance.getEntriesByType('navigation'),
    ...performance.getEntriesByType('resource'),
  ].map((e) => ({ url: e.name, encoded: e.encodedBodySize, decoded: e.decodedBodySize, wire: e.transferSize })));
  const own = entries.filter((e) => new URL(e.url).origin === base.origin);
  assert.ok(own.length >= 5, JSON.stringify(own));
  // Each file counts once (a worker importing the glue again fetches it again: no-cache, and no validators here).
  const seen = new Set();
  let transfer = 0, decoded = 0, wire = 0;
  for (const e of own) {
    let f = decodeURIComponent(new URL(e.url).pathname.slice(base.pathname.length));
    if (f === '' || f.endsWith('/')) f += 'index.html';
    const gz = existsSync(join(DIST, `${f}.gz`));
    const sent = statSync(join(DIST, gz ? `${f}.gz` : f)).size;
    t.diagnostic(`${f}: ${e.encoded} B transferred, ${e.decoded} B decoded${gz ? ' (.gz)' : ''}`);
    // What the server sent is the .gz file where there is one, else the file itself.
    assert.equal(e.encoded, sent, `${f}: ${e.encoded} B transferred, ${sent} B on disk`);
    assert.equal(e.decoded, statSync(join(DIST, f)).size, f);
    if (encodings.has(e.url)) assert.equal(encodings.get(e.url), gz ? 'gzip' : null, `${f}: Content-Encoding`);
    wire += e.wire;
    if (seen.has(e.url)) continue;
    seen.add(e.url);
    transfer += e.encoded;
    decoded += e.decoded;
  }
  const wasm = own.find((e) => e.url.endsWith('/pkg/beamviz_wasm_bg.wasm'));
  assert.ok(wasm, 'the page fetched the wasm module');
  assert.equal(wasm.encoded, statSync(join(DIST, 'pkg/beamviz_wasm_bg.wasm.gz')).size, 'the wasm module came as its .gz');
  assert.equal(encodings.get(wasm.url), 'gzip');
  t.diagnostic(`full page from dist/: ${seen.size} files, ${transfer} B of bodies transferred (${decoded} B decoded); ${own.length} requests, ${wire} B with their headers; a worker's fetch() (its wasm module) is not in the page's timeline`);
  assert.deepEqual(errors, []);
  await page.close();
});
