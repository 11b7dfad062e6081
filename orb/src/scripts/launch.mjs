// Runs claimcheck @@VERSION@@, the release this orb version was packed with: the CircleCI
// bundle (the files of dist/circleci) is fetched once per job from the npm registry tarball,
// or CLAIMCHECK_BUNDLE_URL for a mirror, and run only if its digest is the one fixed here at
// pack time: SHA-256 over each file's name and SHA-256, in name order.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';

const VERSION = '@@VERSION@@';
const DIGEST = '@@BUNDLE_DIGEST@@';
const PREFIX = 'package/dist/circleci/';
const url = process.env.CLAIMCHECK_BUNDLE_URL || `https://registry.npmjs.org/claimcheck/-/claimcheck-${VERSION}.tgz`;
const cacheRoot = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'claimcheck');
const cached = join(cacheRoot, `claimcheck-${VERSION}-${DIGEST.slice(0, 16)}`);

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

function fail(code, message, hint) {
  console.error(`${code}: ${message}\nHint: ${hint}`);
  process.exit(1);
}

/** The files under PREFIX in an uncompressed tar (ustar, as npm packs), by relative name. */
function filesFromTar(tar) {
  const files = new Map();
  for (let offset = 0; offset + 512 <= tar.length; ) {
    const header = tar.subarray(offset, offset + 512);
    const field = (start, length) => header.subarray(start, start + length).toString('utf8').replace(/\0.*$/s, '');
    const name = field(0, 100);
    if (name === '') break;
    const prefix = field(345, 155);
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const path = prefix ? `${prefix}/${name}` : name;
    const start = offset + 512;
    if (path.startsWith(PREFIX) && field(156, 1) !== '5') files.set(path.slice(PREFIX.length), tar.subarray(start, start + size));
    offset = start + Math.ceil(size / 512) * 512;
  }
  return files;
}

function digestOf(files) {
  const lines = [...files.keys()].sort().map((name) => `${name}\0${sha256(files.get(name))}\n`);
  return sha256(lines.join(''));
}

async function download() {
  let lastError;
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return filesFromTar(gunzipSync(Buffer.from(await response.arrayBuffer())));
    } catch (error) {
      lastError = error;
      if (attempt < 3) await new Promise((resolve) => setTimeout(resolve, attempt * 1000));
    }
  }
  fail('BUNDLE_UNAVAILABLE', `Could not download claimcheck ${VERSION} from ${url} (${lastError?.cause?.code ?? lastError?.message}).`, 'Check that the job can reach registry.npmjs.org, or set CLAIMCHECK_BUNDLE_URL to a mirror of that tarball.');
}

async function bundle() {
  // The cache is only ever written whole, after the check: its existence is the check.
  if (existsSync(join(cached, 'index.js'))) return join(cached, 'index.js');
  const files = await download();
  if (!files.has('index.js') || digestOf(files) !== DIGEST) {
    fail('BUNDLE_CHECKSUM', `The claimcheck ${VERSION} bundle from ${url} does not match the digest this orb was packed with; it was not run.`, 'Use the official npm registry or an exact mirror of it; a changed file is refused by design.');
  }
  const partial = `${cached}.${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true, mode: 0o700 });
  for (const [name, bytes] of files) writeFileSync(join(partial, name), bytes, { mode: 0o600 });
  renameSync(partial, cached);
  return join(cached, 'index.js');
}

await import(pathToFileURL(await bundle()).href);
