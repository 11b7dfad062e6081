// Runs claimcheck @@VERSION@@, the release this orb version was packed with: the bundle is
// fetched once per job (npm registry tarball, or CLAIMCHECK_BUNDLE_URL for a mirror) and run
// only if its SHA-256 is the one fixed here at pack time.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';

const VERSION = '@@VERSION@@';
const SHA256 = '@@BUNDLE_SHA256@@';
const ENTRY = 'package/dist/circleci/index.js';
const url = process.env.CLAIMCHECK_BUNDLE_URL || `https://registry.npmjs.org/claimcheck/-/claimcheck-${VERSION}.tgz`;
const cacheDir = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'claimcheck');
const cached = join(cacheDir, `claimcheck-${VERSION}-${SHA256.slice(0, 16)}.mjs`);

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

function fail(code, message, hint) {
  console.error(`${code}: ${message}\nHint: ${hint}`);
  process.exit(1);
}

/** The bytes of `path` in an uncompressed tar (ustar, as npm packs). */
function fromTar(tar, path) {
  for (let offset = 0; offset + 512 <= tar.length; ) {
    const header = tar.subarray(offset, offset + 512);
    const field = (start, length) => header.subarray(start, start + length).toString('utf8').replace(/\0.*$/s, '');
    const name = field(0, 100);
    if (name === '') break;
    const prefix = field(345, 155);
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const start = offset + 512;
    if ((prefix ? `${prefix}/${name}` : name) === path) return tar.subarray(start, start + size);
    offset = start + Math.ceil(size / 512) * 512;
  }
  return undefined;
}

async function download() {
  let lastError;
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const body = Buffer.from(await response.arrayBuffer());
      return /\.t?gz$/.test(new URL(url).pathname) ? fromTar(gunzipSync(body), ENTRY) : body;
    } catch (error) {
      lastError = error;
      if (attempt < 3) await new Promise((resolve) => setTimeout(resolve, attempt * 1000));
    }
  }
  fail('BUNDLE_UNAVAILABLE', `Could not download claimcheck ${VERSION} from ${url} (${lastError?.cause?.code ?? lastError?.message}).`, 'Check that the job can reach registry.npmjs.org, or set CLAIMCHECK_BUNDLE_URL to a mirror of that tarball.');
}

async function bundle() {
  if (existsSync(cached) && sha256(readFileSync(cached)) === SHA256) return cached;
  const code = await download();
  if (!code || sha256(code) !== SHA256) {
    fail('BUNDLE_CHECKSUM', `The claimcheck ${VERSION} bundle from ${url} does not match the SHA-256 this orb was packed with; it was not run.`, 'Use the official npm registry or an exact mirror of it; a changed file is refused by design.');
  }
  mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
  const partial = `${cached}.${process.pid}`;
  writeFileSync(partial, code, { mode: 0o600 });
  renameSync(partial, cached);
  return cached;
}

await import(pathToFileURL(await bundle()).href);
