// SPDX-License-Identifier: MIT OR Apache-2.0
// Permalinks: the scenario (a built-in id, or its text compressed with deflate-raw and base64url-encoded) and the
// step, in the URL hash. The hash is untrusted input: its size is bounded, every error says where it is, and
// nothing here builds HTML.

/** The longest hash read, in characters (a compressed 1 MB scenario fits comfortably). */
export const MAX_HASH = 256 * 1024;
/** The most bytes a decompressed scenario may have: the core's own limit (`scenario::MAX_FILE_BYTES`). */
export const MAX_SOURCE_BYTES = 1 << 20;

/** A located problem with a permalink: `where` is the hash parameter, `at` a 1-based character position in it. */
export class PermalinkError extends Error {
  /** @param {string} message @param {string} where @param {number} at */
  constructor(message, where, at) {
    super(`permalink ${where}, character ${at}: ${message}`);
    this.where = where;
    this.at = at;
  }
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Bytes → base64url without padding. @param {Uint8Array} bytes @returns {string} */
export function toBase64Url(bytes) {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let k = 0; k < chars; k++) out += B64[(n >> (18 - 6 * k)) & 63];
  }
  return out;
}

/** base64url (padding optional) → bytes; a character outside the alphabet is a PermalinkError at its position.
 * @param {string} text @param {string} where @returns {Uint8Array} */
export function fromBase64Url(text, where = 'src') {
  const clean = text.replace(/=+$/, '');
  if (clean.length % 4 === 1) throw new PermalinkError('truncated base64url text', where, clean.length);
  const out = new Uint8Array(Math.floor((clean.length * 6) / 8));
  let bits = 0, acc = 0, j = 0;
  for (let i = 0; i < clean.length; i++) {
    const v = B64.indexOf(clean[i]);
    if (v < 0) throw new PermalinkError(`'${clean[i]}' is not a base64url character`, where, i + 1);
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[j++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

async function pipe(bytes, stream, limit, where) {
  const reader = new Blob([bytes]).stream().pipeThrough(stream).getReader();
  const parts = [];
  let total = 0;
  for (;;) {
    let chunk;
    try {
      chunk = await reader.read();
    } catch {
      throw new PermalinkError('the compressed scenario is damaged', where, 1);
    }
    if (chunk.done) break;
    total += chunk.value.length;
    if (total > limit) {
      reader.cancel().catch(() => {});
      throw new PermalinkError(`the scenario is larger than ${limit} bytes`, where, 1);
    }
    parts.push(chunk.value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/** Scenario text → the `src` value of a permalink. @param {string} text @returns {Promise<string>} */
export async function encodeSource(text) {
  const bytes = new TextEncoder().encode(text);
  return toBase64Url(await pipe(bytes, new CompressionStream('deflate-raw'), Infinity, 'src'));
}

/** The `src` value of a permalink → scenario text, bounded by MAX_SOURCE_BYTES. @param {string} value @returns {Promise<string>} */
export async function decodeSource(value) {
  const bytes = await pipe(fromBase64Url(value), new DecompressionStream('deflate-raw'), MAX_SOURCE_BYTES, 'src');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new PermalinkError('the scenario is not UTF-8 text', 'src', 1);
  }
}

/** Reads a hash (`#scenario=ID&step=N` or `#src=…&step=N`, optionally `&vm=SETTING:VALUE,…&sel=PID`) into
 * {scenario?, src?, step?, vm?, sel?}; {} for an empty hash. The switches' values are checked by the core when it runs.
 * @param {string} hash @returns {{scenario?:string, src?:string, step?:number, vm?:string, sel?:number}} */
export function parseHash(hash) {
  const text = hash.startsWith('#') ? hash.slice(1) : hash;
  if (!text) return {};
  if (text.length > MAX_HASH) throw new PermalinkError(`the link is longer than ${MAX_HASH} characters`, 'hash', MAX_HASH + 1);
  const out = {};
  let at = 1;
  for (const part of text.split('&')) {
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? '' : part.slice(eq + 1);
    if (key === 'scenario') {
      if (!/^[a-z0-9-]{1,64}$/.test(value)) throw new PermalinkError('a scenario id is 1 to 64 of a-z, 0-9 and -', 'scenario', at + eq + 1);
      out.scenario = value;
    } else if (key === 'src') {
      out.src = value;
    } else if (key === 'step') {
      if (!/^\d{1,9}$/.test(value)) throw new PermalinkError('the step is a whole number', 'step', at + eq + 1);
      out.step = Number(value);
    } else if (key === 'vm') {
      if (!/^[a-z_]{1,32}:[a-z0-9_]{1,20}(,[a-z_]{1,32}:[a-z0-9_]{1,20}){0,7}$/.test(value)) throw new PermalinkError('the switches are SETTING:VALUE pairs separated by commas', 'vm', at + eq + 1);
      out.vm = value;
    } else if (key === 'sel') {
      if (!/^\d{1,9}$/.test(value)) throw new PermalinkError('the selected process is a pid number', 'sel', at + eq + 1);
      out.sel = Number(value);
    } else if (key) {
      throw new PermalinkError(`unknown parameter '${key.slice(0, 20)}'`, 'hash', at);
    }
    at += part.length + 1;
  }
  if (out.scenario !== undefined && out.src !== undefined) throw new PermalinkError('give scenario or src, not both', 'hash', 1);
  return out;
}

/** The hash for a built-in scenario or scenario text at step `step`, with forced VM switches `vm` and the selected
 * process `sel` when given. @param {{scenario?:string, text?:string, step:number, vm?:string, sel?:number|null}} at @returns {Promise<string>} */
export async function makeHash({ scenario, text, step, vm, sel }) {
  const what = text !== undefined ? `src=${await encodeSource(text)}` : `scenario=${scenario}`;
  return `#${what}&step=${step}${vm ? `&vm=${vm}` : ''}${sel !== null && sel !== undefined ? `&sel=${sel}` : ''}`;
}
