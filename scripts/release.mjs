// Prepares a release: `npm run release -- X.Y.Z` checks that the git tree is clean and that
// X.Y.Z is greater than package.json's version, then writes X.Y.Z into package.json,
// package-lock.json and the exact-version pins in README.md and examples/github, moves the
// CHANGELOG's Unreleased entries under `## [X.Y.Z] - <date>`, rebuilds (dist/, orb/orb.yml,
// generated files) and prints the git commands that commit, tag and push. It runs none of
// them: a human reads the diff first. The tag push starts the publishing workflows.
//
//   node scripts/release.mjs X.Y.Z [--root <dir>] [--date YYYY-MM-DD]
//   node scripts/release.mjs --notes X.Y.Z [--root <dir>]   (prints that version's notes)
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;
const UNRELEASED = '## [Unreleased]';

class ReleaseError extends Error {}

/** [major, minor, patch] of a plain X.Y.Z version, or undefined. */
function parseVersion(text) {
  const match = SEMVER.exec(text ?? '');
  return match ? match.slice(1, 4).map(Number) : undefined;
}

function compareVersions(a, b) {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

// npm writes both files with two-space indents and a final newline; keep them byte-identical.
function writeJson(path, value) {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

function git(root, args) {
  return execFileSync('git', ['-C', root, ...args], { encoding: 'utf8' });
}

function requireCleanTree(root) {
  const status = git(root, ['status', '--porcelain']).trim();
  if (status !== '') {
    throw new ReleaseError(`the git tree is not clean; commit or stash these first:\n${status}`);
  }
}

function requireGreater(next, current) {
  const [nextParts, currentParts] = [parseVersion(next), parseVersion(current)];
  if (!nextParts) throw new ReleaseError(`${next} is not a version of the form X.Y.Z (digits, no prerelease)`);
  if (!currentParts) throw new ReleaseError(`package.json's version ${current} is not of the form X.Y.Z`);
  if (compareVersions(nextParts, currentParts) <= 0) {
    throw new ReleaseError(`${next} is not greater than the current version ${current}`);
  }
}

/** The CHANGELOG split around its Unreleased section: [before, entries, after]. */
function splitUnreleased(changelog) {
  const start = changelog.indexOf(`${UNRELEASED}\n`);
  if (start < 0) throw new ReleaseError(`CHANGELOG.md has no "${UNRELEASED}" heading`);
  const bodyStart = start + UNRELEASED.length + 1;
  const next = changelog.indexOf('\n## [', bodyStart);
  const bodyEnd = next < 0 ? changelog.length : next + 1;
  return [changelog.slice(0, bodyStart), changelog.slice(bodyStart, bodyEnd).trim(), changelog.slice(bodyEnd)];
}

/** Keep a Changelog: Unreleased's entries move under a new `## [X.Y.Z] - date` heading. */
export function releaseChangelog(changelog, version, date) {
  const [before, entries, after] = splitUnreleased(changelog);
  if (entries === '') throw new ReleaseError('CHANGELOG.md says nothing under Unreleased; write what changed first');
  return `${before}\n## [${version}] - ${date}\n\n${entries}\n\n${after}`;
}

/** The entries of one released version, for the GitHub release's notes. */
export function releaseNotes(changelog, version) {
  const heading = `\n## [${version}] - `;
  const start = changelog.indexOf(heading);
  if (start < 0) throw new ReleaseError(`CHANGELOG.md has no section for ${version}`);
  const bodyStart = changelog.indexOf('\n', start + heading.length) + 1;
  const next = changelog.indexOf('\n## [', bodyStart);
  return changelog.slice(bodyStart, next < 0 ? undefined : next).trim();
}

function replaceAll(text, from, to) {
  return text.split(from).join(to);
}

/** Files that pin an exact release for users to copy, and how a pin is written in each. */
function pinnedFiles(root) {
  const examples = join(root, 'examples', 'github');
  const workflows = existsSync(examples) ? readdirSync(examples).filter((name) => /\.ya?ml$/.test(name)) : [];
  return [
    { path: join(root, 'README.md'), pin: (v) => `claimcheck/claimcheck@${v}` },
    { path: join(root, 'README.md'), pin: (v) => `claimcheck/claimcheck@v${v}` },
    ...workflows.map((name) => ({ path: join(examples, name), pin: (v) => `claimcheck/claimcheck@v${v}` })),
  ];
}

function bumpVersion(root, current, next) {
  const pkg = readJson(join(root, 'package.json'));
  writeJson(join(root, 'package.json'), { ...pkg, version: next });
  const lockPath = join(root, 'package-lock.json');
  const lock = readJson(lockPath);
  lock.version = next;
  if (lock.packages?.['']) lock.packages[''].version = next;
  writeJson(lockPath, lock);
  for (const { path, pin } of pinnedFiles(root)) {
    writeFileSync(path, replaceAll(readFileSync(path, 'utf8'), pin(current), pin(next)));
  }
}

function printNextSteps(version) {
  console.log(`
Prepared claimcheck ${version}. Read the diff (git diff), then run:

  npm test
  git add -A
  git commit -m "Release ${version}"
  git tag -a v${version} -m "claimcheck ${version}"
  git push origin HEAD v${version}

The tag starts .github/workflows/release.yml (npm publish, GitHub release, v${version.split('.')[0]} tag)
and the CircleCI pipeline that publishes the orb claimcheck/claimcheck@${version}.`);
}

export function prepareRelease({ root, version, date }) {
  requireCleanTree(root);
  const current = readJson(join(root, 'package.json')).version;
  requireGreater(version, current);
  const changelogPath = join(root, 'CHANGELOG.md');
  const changelog = releaseChangelog(readFileSync(changelogPath, 'utf8'), version, date);
  bumpVersion(root, current, version);
  writeFileSync(changelogPath, changelog);
  // The build reads package.json: dist/, orb/orb.yml and src/core/version.generated.ts follow.
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
  printNextSteps(version);
}

function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { root: { type: 'string' }, date: { type: 'string' }, notes: { type: 'string' } },
  });
  const root = resolve(values.root ?? fileURLToPath(new URL('..', import.meta.url)));
  if (values.notes) {
    console.log(releaseNotes(readFileSync(join(root, 'CHANGELOG.md'), 'utf8'), values.notes));
    return;
  }
  if (positionals.length !== 1) throw new ReleaseError('usage: npm run release -- X.Y.Z');
  const date = values.date ?? new Date().toISOString().slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new ReleaseError(`--date ${date} is not YYYY-MM-DD`);
  prepareRelease({ root, version: positionals[0], date });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main();
  } catch (error) {
    if (!(error instanceof ReleaseError)) throw error;
    console.error(`release: ${error.message}`);
    process.exit(1);
  }
}
