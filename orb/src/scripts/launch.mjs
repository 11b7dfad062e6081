// Runs claimcheck @@VERSION@@, the release this orb version was packed with: the CircleCI
// bundle (the files of dist/circleci) from the npm registry tarball, or CLAIMCHECK_BUNDLE_URL
// for a mirror, runs only if its digest is the one fixed here at pack time (SHA-256 over each
// file's name and SHA-256, in name order). The cache's path is public and others can fill it
// (restore_cache, a HOME kept between jobs), so every run checks the bytes in memory and
// imports a private copy of them. As a file, this is also the refresh profile's command.
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, readSync, renameSync, rmdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';

const VERSION = '@@VERSION@@';
const DIGEST = '@@BUNDLE_DIGEST@@';
const PREFIX = 'package/dist/circleci/';
// Far above the real bundle (a 0.7 MB tarball of 3 MB, 5 files of 0.8 MB): past these it is not ours.
const MiB = 1024 * 1024;
const MAX_DOWNLOAD = 32 * MiB;
const MAX_TAR = 128 * MiB;
const MAX_FILES = 64;
const url = process.env.CLAIMCHECK_BUNDLE_URL || `https://registry.npmjs.org/claimcheck/-/claimcheck-${VERSION}.tgz`;
const hideUserinfo = (text) => String(text).replace(/\/\/[^/@\s]*@/g, '//***@');
const xdg = process.env.XDG_CACHE_HOME;
const cacheRoot = join(xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.cache'), 'claimcheck');
const cached = join(cacheRoot, `claimcheck-${VERSION}-${DIGEST.slice(0, 16)}`);
const uid = process.getuid?.();

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
// stderr only: a credential_process answers on stdout.
const say = (line) => console.error(line);
const debug = (line) => /^(1|true)$/.test(process.env.CLAIMCHECK_DEBUG ?? '') && say(`[debug] ${line}`);

function fail(code, message, hint) {
  console.error(`${code}: ${message}\nHint: ${hint}`);
  process.exit(1);
}

function refuse(why) {
  fail('BUNDLE_CHECKSUM', `The claimcheck ${VERSION} bundle from ${hideUserinfo(url)} does not match the digest this orb was packed with${why ? ` (${why})` : ''}; it was not run.`, 'Use the official npm registry or an exact mirror of it; a changed file is refused by design.');
}

/** The regular files directly under PREFIX in an uncompressed tar (ustar, as npm packs), by name. */
function filesFromTar(tar) {
  const files = new Map();
  for (let offset = 0; offset + 512 <= tar.length; ) {
    const header = tar.subarray(offset, offset + 512);
    const field = (start, length) => header.subarray(start, start + length).toString('utf8').replace(/\0.*$/s, '');
    const name = field(0, 100);
    if (name === '') break;
    const sizeField = field(124, 12).trim();
    const size = parseInt(sizeField || '0', 8);
    const start = offset + 512;
    if (!/^[0-7]*$/.test(sizeField) || start + size > tar.length) refuse('its tarball is malformed');
    const path = field(345, 155) ? `${field(345, 155)}/${name}` : name;
    if (path.startsWith(PREFIX) && ['0', ''].includes(field(156, 1))) {
      const file = path.slice(PREFIX.length);
      if (!/^\w[\w.-]*$/.test(file)) refuse('it holds an unexpected file name under dist/circleci/');
      if (!files.has(file) && files.size === MAX_FILES) refuse(`it holds over ${MAX_FILES} files under dist/circleci/`);
      files.set(file, tar.subarray(start, start + size));
    }
    offset = start + Math.ceil(size / 512) * 512;
  }
  return files;
}

function digestOf(files) {
  const lines = [...files.keys()].sort().map((name) => `${name}\0${sha256(files.get(name))}\n`);
  return sha256(lines.join(''));
}

async function fetchTarball() {
  const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const tooBig = `its download is over ${MAX_DOWNLOAD / MiB} MiB`;
  if (Number(response.headers.get('content-length')) > MAX_DOWNLOAD) refuse(tooBig);
  const chunks = [];
  let size = 0;
  for await (const chunk of response.body ?? []) {
    if ((size += chunk.length) > MAX_DOWNLOAD) refuse(tooBig);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The bundle's files from the tarball, checked; anything else ends the run. */
async function download() {
  let gzip, lastError;
  for (let attempt = 1; attempt <= 3 && !gzip; attempt++) {
    try {
      gzip = await fetchTarball();
    } catch (error) {
      lastError = error;
      if (attempt < 3) await new Promise((resolve) => setTimeout(resolve, attempt * 1000));
    }
  }
  if (!gzip) fail('BUNDLE_UNAVAILABLE', `Could not download claimcheck ${VERSION} from ${hideUserinfo(url)} (${hideUserinfo(lastError?.cause?.code ?? lastError?.message)}).`, 'Check that the job can reach registry.npmjs.org, or set CLAIMCHECK_BUNDLE_URL to a mirror of that tarball.');
  let tar;
  try {
    tar = gunzipSync(gzip, { maxOutputLength: MAX_TAR });
  } catch (error) {
    refuse(error.code === 'ERR_BUFFER_TOO_LARGE' ? `it inflates to over ${MAX_TAR / MiB} MiB` : 'it is not a valid gzip file');
  }
  const files = filesFromTar(tar);
  if (digestOf(files) !== DIGEST) refuse();
  return files;
}

/** Why a cache directory must not be used: another user could have put anything in it. */
function unsafe(path) {
  let stat;
  try {
    stat = lstatSync(path, { throwIfNoEntry: false });
  } catch (error) {
    return `it cannot be read (${error.code})`;
  }
  if (!stat) return undefined;
  if (stat.isSymbolicLink()) return 'it is a symbolic link';
  if (!stat.isDirectory()) return 'it is not a directory';
  if (uid !== undefined && stat.uid !== uid) return `it belongs to another user (uid ${stat.uid})`;
  if (uid !== undefined && stat.mode & 0o022) return 'others can write to it';
}

/** The cache's files, read without following links or blocking, within the caps; undefined if anything is off. */
function readCache() {
  try {
    const names = readdirSync(cached);
    if (names.length > MAX_FILES) return undefined;
    const files = new Map();
    let budget = MAX_TAR;
    for (const name of names) {
      const fd = openSync(join(cached, name), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
      try {
        const stat = fstatSync(fd);
        if (!stat.isFile() || (budget -= stat.size) < 0) return undefined;
        const bytes = Buffer.alloc(stat.size);
        for (let read = 0, n = 1; read < stat.size && n > 0; read += n) n = readSync(fd, bytes, read, stat.size - read, read);
        files.set(name, bytes);
      } finally {
        closeSync(fd);
      }
    }
    return files;
  } catch {
    return undefined;
  }
}

function writeFiles(dir, files) {
  for (const [name, bytes] of files) writeFileSync(join(dir, name), bytes, { mode: 0o600, flag: 'wx' });
}

/** Saves checked files as the cache, whole or not at all; a copy another job got there first with stays. */
function store(files, stale) {
  let partial;
  try {
    partial = mkdtempSync(join(cacheRoot, '.partial-'));
    writeFiles(partial, files);
    if (stale) {
      for (const name of readdirSync(cached)) unlinkSync(join(cached, name));
      rmdirSync(cached);
    }
    renameSync(partial, cached);
  } catch (error) {
    const lost = ['ENOTEMPTY', 'EEXIST'].includes(error.code);
    debug(lost ? `Another job filled the cache ${cached} first; this run uses its own checked copy.` : `Could not cache the bundle in ${cacheRoot} (${error.code ?? error.message}).`);
  } finally {
    if (partial) rmSync(partial, { recursive: true, force: true });
  }
}

/** The checked bundle: the cache's files if they are exactly it, else a download (cached where that is safe). */
async function bundle() {
  try {
    mkdirSync(cacheRoot, { recursive: true, mode: 0o700 });
  } catch {
    // a read-only home: no cache, then
  }
  const rootWhy = unsafe(cacheRoot);
  const why = rootWhy ?? unsafe(cached);
  if (why) say(`Warning: not using the cache ${rootWhy ? cacheRoot : cached}: ${why}; the bundle is downloaded for each run.`);
  const usable = !why && lstatSync(cacheRoot, { throwIfNoEntry: false });
  const found = usable && lstatSync(cached, { throwIfNoEntry: false });
  if (found) {
    const files = readCache();
    if (files && digestOf(files) === DIGEST) return files;
    say(`Warning: the cache ${cached} does not hold the claimcheck ${VERSION} bundle this orb was packed with; it was not run, and a fresh download replaces it.`);
  }
  const files = await download();
  if (usable) store(files, Boolean(found));
  return files;
}

/** Imports the checked files from a fresh private directory, which lives until this process ends (chunks load late). */
async function run(files) {
  let dir;
  const remove = () => dir && rmSync(dir, { recursive: true, force: true });
  process.on('exit', remove);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.once(signal, () => (remove(), process.kill(process.pid, signal)));
  try {
    dir = mkdtempSync(join(tmpdir(), 'claimcheck-'));
    writeFiles(dir, files);
  } catch (error) {
    fail('BUNDLE_UNAVAILABLE', `Could not write claimcheck ${VERSION} to a private directory in ${tmpdir()} to run it from (${error.code ?? error.message}).`, 'Point TMPDIR at a writable directory with a few MB free.');
  }
  await import(pathToFileURL(join(dir, 'index.js')).href);
}

await run(await bundle());
