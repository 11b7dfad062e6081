// Runs claimcheck @@VERSION@@, the release this orb version was packed with: the CircleCI
// bundle (the files of dist/circleci) from the npm registry's tarball, or from
// CLAIMCHECK_BUNDLE_URL (a mirror, a file:// URL or an absolute path), runs only if its digest
// is the one fixed here at pack time (SHA-256 over each file's name and SHA-256, in name
// order). Downloads honour https_proxy/http_proxy and no_proxy as the bundle does. The cache's
// path is public and others can fill it (restore_cache, a HOME kept between jobs), so every
// run checks the bytes in memory and imports a private copy of them. As a file, this is also
// the refresh profile's command.
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, readSync, renameSync, rmdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';

const VERSION = '@@VERSION@@';
const DIGEST = '@@BUNDLE_DIGEST@@';
const PREFIX = 'package/dist/circleci/';
// Far above the real bundle (a 0.9 MB tarball of 3.3 MB, 5 files of 0.84 MB): past these it is not ours.
const MiB = 1024 * 1024;
const MAX_DOWNLOAD = 32 * MiB;
const MAX_TAR = 128 * MiB;
const MAX_FILES = 64;
const REGISTRY = `https://registry.npmjs.org/claimcheck/-/claimcheck-${VERSION}.tgz`;
const url = process.env.CLAIMCHECK_BUNDLE_URL || REGISTRY;
// For messages: a URL's credentials hidden, and no control character (one line, no terminal escapes).
const hideUserinfo = (text) => String(text).replace(/\/\/[^/@\s]*@/g, '//***@').replace(/[\0-\x1f\x7f]/g, '?');
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

/** Where the tarball is: a local file (an absolute path or a file:// URL), or an http(s) URL. */
function locate() {
  if (isAbsolute(url)) return { path: url };
  let parsed;
  try {
    parsed = new URL(url);
    if (parsed.protocol === 'file:') return { path: fileURLToPath(parsed) };
  } catch {
    // said below
  }
  if (/^https?:$/.test(parsed?.protocol)) return { remote: parsed };
  fail('BUNDLE_UNAVAILABLE', `CLAIMCHECK_BUNDLE_URL (${hideUserinfo(url)}) is neither an http(s) or file:// URL nor an absolute path.`, `Set it to a mirror of the npm tarball (https://…/claimcheck-${VERSION}.tgz) or to a copy of it on the machine (file:///path/claimcheck-${VERSION}.tgz or /path/claimcheck-${VERSION}.tgz).`);
}

/** Reads a file whole from an open descriptor, within `budget` bytes; undefined when it is no regular file or too big. */
function readWhole(fd, budget) {
  const stat = fstatSync(fd);
  if (!stat.isFile() || stat.size > budget) return undefined;
  const bytes = Buffer.alloc(stat.size);
  for (let read = 0, n = 1; read < stat.size && n > 0; read += n) n = readSync(fd, bytes, read, stat.size - read, read);
  return bytes;
}

/** A local tarball, opened without following a link or blocking on a FIFO. */
function readLocal(path) {
  let fd, why;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    const bytes = readWhole(fd, MAX_DOWNLOAD);
    if (bytes) return bytes;
    if (fstatSync(fd).isFile()) refuse(`it is over ${MAX_DOWNLOAD / MiB} MiB`);
    why = 'it is not a regular file';
  } catch (error) {
    why = error.code === 'ELOOP' ? 'it is a symbolic link; name the file itself' : error.code ?? error.message;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  fail('BUNDLE_UNAVAILABLE', `Could not read claimcheck ${VERSION} from ${hideUserinfo(path)} (${why}).`, `Put claimcheck-${VERSION}.tgz there (npm pack claimcheck@${VERSION} makes it), or point CLAIMCHECK_BUNDLE_URL at where it is.`);
}

/** The proxy for a URL by the rules the bundle follows: none for loopback or a no_proxy host. */
function proxyFor(target) {
  const env = process.env;
  const host = target.hostname.toLowerCase();
  if (host === 'localhost' || host.startsWith('127.') || host === '[::1]') return undefined;
  const names = [host, `${host}:${target.port || (target.protocol === 'https:' ? 443 : 80)}`];
  for (const entry of (env.no_proxy || env.NO_PROXY || '').toLowerCase().split(',').map((item) => item.trim())) {
    if (entry && (entry === '*' || names.some((name) => name === entry || name.endsWith(`.${entry}`) || (entry.startsWith('.') && name.endsWith(entry))))) return undefined;
  }
  const [name, value] = target.protocol === 'https:' ? (env.https_proxy ? ['https_proxy', env.https_proxy] : ['HTTPS_PROXY', env.HTTPS_PROXY]) : env.http_proxy ? ['http_proxy', env.http_proxy] : ['HTTP_PROXY', env.HTTP_PROXY];
  if (!value) return undefined;
  try {
    const proxy = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`);
    if (/^https?:$/.test(proxy.protocol)) return proxy;
  } catch {
    // said below
  }
  fail('BUNDLE_UNAVAILABLE', `${name} (${hideUserinfo(value)}) is not an http:// or https:// proxy URL.`, `Set ${name} to the proxy's URL, such as http://proxy.example.com:3128 (credentials in it if the proxy needs them).`);
}

const basic = (user, password) => `Basic ${Buffer.from(`${decodeURIComponent(user)}:${decodeURIComponent(password)}`).toString('base64')}`;
const portOf = (target) => Number(target.port) || (target.protocol === 'https:' ? 443 : 80);
const send = (request, options) => new Promise((resolve, reject) => request(options).on('response', resolve).on('error', reject).end());
/** A failure to report: `retry` when another attempt may pass, the HTTP status if there was one. */
const problem = (reason, retry, status) => Object.assign(new Error(reason), { retry, status });

/** The response to GET `target`: directly, through the proxy (http), or through a CONNECT tunnel (https). */
function open(target, signal) {
  const headers = { 'user-agent': `claimcheck-orb/${VERSION}`, ...(target.username || target.password ? { authorization: basic(target.username, target.password) } : {}) };
  const host = target.hostname.replace(/^\[|\]$/g, '');
  const path = target.pathname + target.search;
  const proxy = proxyFor(target);
  if (!proxy) return send(target.protocol === 'https:' ? httpsRequest : httpRequest, { host, port: portOf(target), path, headers, agent: false, signal });
  const via = { host: proxy.hostname.replace(/^\[|\]$/g, ''), port: portOf(proxy), agent: false, signal };
  const viaHeaders = proxy.username || proxy.password ? { 'proxy-authorization': basic(proxy.username, proxy.password) } : {};
  const toProxy = proxy.protocol === 'https:' ? httpsRequest : httpRequest;
  if (target.protocol === 'http:') return send(toProxy, { ...via, path: `http://${target.host}${path}`, headers: { ...headers, host: target.host, ...viaHeaders } });
  return new Promise((resolve, reject) => {
    const authority = `${target.hostname}:${portOf(target)}`;
    const tunnel = toProxy({ ...via, method: 'CONNECT', path: authority, headers: { host: authority, ...viaHeaders } });
    tunnel.on('connect', (answer, socket) => {
      if (answer.statusCode !== 200) {
        socket.destroy();
        return reject(problem(`the proxy answered CONNECT with HTTP ${answer.statusCode}`, answer.statusCode >= 500, answer.statusCode));
      }
      const secure = tlsConnect({ socket, servername: isIP(host) ? undefined : host });
      send(httpRequest, { host, path, headers: { ...headers, host: target.host }, createConnection: () => secure, signal }).then(resolve, reject);
    });
    tunnel.on('error', reject).end();
  });
}

async function body(response) {
  const tooBig = `its download is over ${MAX_DOWNLOAD / MiB} MiB`;
  if (Number(response.headers['content-length']) > MAX_DOWNLOAD) refuse(tooBig);
  const chunks = [];
  let size = 0;
  for await (const chunk of response) {
    if ((size += chunk.length) > MAX_DOWNLOAD) refuse(tooBig);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** One attempt at the tarball, following up to 5 redirects (credentials stay with their origin) within 30 s. */
async function fetchTarball(target) {
  const signal = AbortSignal.timeout(30_000);
  for (let hops = 0; ; hops++) {
    let response;
    try {
      response = await open(target, signal);
    } catch (error) {
      // An unknown host name stays unknown; anything else on the way may pass.
      throw error.retry === undefined ? problem(signal.aborted ? 'no answer within 30 s' : error.code ?? error.message, error.code !== 'ENOTFOUND') : error;
    }
    const status = response.statusCode;
    const location = [301, 302, 303, 307, 308].includes(status) && hops < 5 && response.headers.location;
    if (status !== 200) response.resume();
    if (location) {
      const next = new URL(location, target);
      if (next.origin !== target.origin) [next.username, next.password] = ['', ''];
      if (!/^https?:$/.test(next.protocol)) throw problem(`HTTP ${status} to a location that is not http(s)`, false, status);
      target = next;
    } else if (status !== 200) {
      throw problem(`HTTP ${status}`, status === 408 || status === 429 || status >= 500, status);
    } else {
      try {
        return await body(response);
      } catch (error) {
        throw problem(`the download was cut short (${signal.aborted ? 'no complete answer within 30 s' : error.code ?? error.message})`, true);
      }
    }
  }
}

/** Ends the run with why the tarball could not be had, and what to do. */
function unavailable(error, target, attempts) {
  const proxy = proxyFor(target);
  const from = `${hideUserinfo(url)}${proxy ? ` through the proxy ${proxy.protocol}//${proxy.host}` : ''}`;
  if (error.status === 404 || error.status === 410) {
    fail('BUNDLE_UNAVAILABLE', `claimcheck ${VERSION} is not at ${from} (HTTP ${error.status}): that release may not be published (yet).`, url === REGISTRY
      ? `The orb claimcheck/claimcheck@${VERSION} runs the npm package claimcheck@${VERSION}; until npm has it, set CLAIMCHECK_BUNDLE_URL to a copy of claimcheck-${VERSION}.tgz (a mirror URL, a file:// URL or an absolute path).`
      : `Put claimcheck-${VERSION}.tgz (npm pack claimcheck@${VERSION} makes it) at that URL, or point CLAIMCHECK_BUNDLE_URL at where it is.`);
  }
  const tries = attempts > 1 ? `, after ${attempts} attempts` : '';
  const hint = [401, 403, 407].includes(error.status)
    ? 'The server or the proxy refused the request: put the mirror\'s credentials in CLAIMCHECK_BUNDLE_URL (https://user:token@host/…) and the proxy\'s in https_proxy (http://user:password@host:port).'
    : /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(error.message)
      ? 'The server\'s TLS certificate was not accepted (a proxy that inspects TLS?): give Node.js that CA with NODE_EXTRA_CA_CERTS=/path/to/ca.pem.'
      : `Check that the job can reach ${target.host} (behind a proxy: https_proxy, and no_proxy for hosts to reach directly), or set CLAIMCHECK_BUNDLE_URL to a mirror of that tarball or to a copy of it on the machine (a file:// URL or an absolute path).`;
  fail('BUNDLE_UNAVAILABLE', `Could not download claimcheck ${VERSION} from ${from} (${hideUserinfo(error.message)}${tries}).`, hint);
}

/** The tarball's bytes, from a local file or downloaded (3 attempts for faults that can pass). */
async function tarball(where) {
  if (where.path) return readLocal(where.path);
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetchTarball(where.remote);
    } catch (error) {
      if (!error.retry || attempt === 3) unavailable(error, where.remote, attempt);
      await new Promise((resolve) => setTimeout(resolve, attempt * 1000));
    }
  }
}

/** The bundle's files from the tarball, checked; anything else ends the run. */
async function download(where) {
  const gzip = await tarball(where);
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
        const bytes = readWhole(fd, budget);
        if (!bytes) return undefined;
        budget -= bytes.length;
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
  const where = locate();
  const files = await download(where);
  if (usable && !where.path) store(files, Boolean(found)); // a local tarball is as near as the cache
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
