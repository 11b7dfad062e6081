// Prepares a release: `npm run release -- X.Y.Z` checks that the git tree is clean and that
// X.Y.Z is greater than package.json's version, then writes X.Y.Z into package.json,
// package-lock.json and the exact-version pins in README.md, docs/*.md and examples/github
// (at the first release, the placeholders that pin a commit or a version until then), moves
// the CHANGELOG's Unreleased entries under `## [X.Y.Z] - <date>`, drops the
// not-yet-released notes of the README and docs/, and rebuilds (dist/, orb/orb.yml, generated files). Then it packs
// the npm tarball and checks that it carries exactly this dist/ (orb X.Y.Z runs that tarball's
// dist/circleci only if it matches the digest packed into the orb), and writes what a
// maintainer needs to publish the Action tag, the npm package and the orb into
// build/release/X.Y.Z/: the tarball, orb.yml, the release notes, SHA256SUMS and CHECKLIST.md
// (the set-up a first release needs, the commands, a by-hand route, and how to check what was
// published). It commits, tags and publishes nothing: a human reads the diff first. When a
// step fails after the bump, the tracked files are put back as they were.
//
//   node scripts/release.mjs X.Y.Z [--root <dir>] [--date YYYY-MM-DD] [--out <dir>]
//   node scripts/release.mjs --notes X.Y.Z [--root <dir>]   (prints that version's notes)
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;
const UNRELEASED = '## [Unreleased]';
/** The notes that nothing is published yet (the README's, the guides'): they go with the first release. */
const NOT_YET_RELEASED = ['<!-- not-yet-released:start -->', '<!-- not-yet-released:end -->'];
/** What the examples pin until the first release, which pins its own version instead: the Action's and the orb's. */
const PLACEHOLDER_PINS = [
  { text: 'claimcheck/claimcheck@<commit SHA>', pin: (v) => `claimcheck/claimcheck@v${v}` },
  { text: 'claimcheck/claimcheck@<version>', pin: (v) => `claimcheck/claimcheck@${v}` },
];
/** What the npm tarball must hold besides dist/: the CLI's entry, the Action's metadata, the rules schema. */
const PACKAGE_FILES = ['package.json', 'README.md', 'action.yml', 'bin/claimcheck.js', 'schema/rules.schema.json'];

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
    ...docFiles(root).flatMap((path) => [
      { path, pin: (v) => `claimcheck/claimcheck@${v}` },
      { path, pin: (v) => `claimcheck/claimcheck@v${v}` },
    ]),
    ...workflows.map((name) => ({ path: join(examples, name), pin: (v) => `claimcheck/claimcheck@v${v}` })),
  ];
}

/** The README and every guide in docs/: they may pin the orb (X.Y.Z) or the Action (vX.Y.Z), and carry notes. */
function docFiles(root) {
  const docsDir = join(root, 'docs');
  const guides = existsSync(docsDir) ? readdirSync(docsDir).filter((name) => name.endsWith('.md')).map((name) => join(docsDir, name)) : [];
  return [join(root, 'README.md'), ...guides];
}

function bumpVersion(root, current, next) {
  const pkg = readJson(join(root, 'package.json'));
  writeJson(join(root, 'package.json'), { ...pkg, version: next });
  const lockPath = join(root, 'package-lock.json');
  const lock = readJson(lockPath);
  lock.version = next;
  if (lock.packages?.['']) lock.packages[''].version = next;
  writeJson(lockPath, lock);
  for (const path of new Set(pinnedFiles(root).map((file) => file.path))) {
    const pins = pinnedFiles(root).filter((file) => file.path === path);
    let text = pins.reduce((result, { pin }) => replaceAll(result, pin(current), pin(next)), readFileSync(path, 'utf8'));
    text = PLACEHOLDER_PINS.reduce((result, { text: placeholder, pin }) => replaceAll(result, placeholder, pin(next)), withoutNotYetReleased(text));
    writeFileSync(path, text);
  }
}

/** The text without its not-yet-released blocks (markers included), if it has any. */
export function withoutNotYetReleased(text) {
  const [start, end] = NOT_YET_RELEASED;
  const from = text.indexOf(start);
  const to = text.indexOf(end, from);
  if (from < 0 || to < from) return text;
  return withoutNotYetReleased(`${text.slice(0, from).replace(/\n+$/, '\n')}${text.slice(to + end.length).replace(/^\n+/, '\n')}`);
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

function listFiles(dir, prefix = '') {
  return readdirSync(dir).sort().flatMap((name) => (statSync(join(dir, name)).isDirectory() ? listFiles(join(dir, name), `${prefix}${name}/`) : [`${prefix}${name}`]));
}

/** The digest the orb's launcher checks: SHA-256 over each file's name and SHA-256, in name order. */
function bundleDigest(dir) {
  return sha256(listFiles(dir).map((name) => `${name}\0${sha256(readFileSync(join(dir, name)))}\n`).join(''));
}

/** npm pack into `out`: the tarball's file name and npm's integrity string for it. */
function packTarball(root, out) {
  const [packed] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', out], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }));
  return { file: packed.filename, integrity: packed.integrity };
}

/** Files that differ between two folders (or are in one only), by relative path. */
function differences(ours, theirs) {
  const [a, b] = [listFiles(ours), existsSync(theirs) ? listFiles(theirs) : []];
  return [...new Set([...a, ...b])].filter((file) => !a.includes(file) || !b.includes(file) || !readFileSync(join(ours, file)).equals(readFileSync(join(theirs, file))));
}

/** Refuses a tarball that is not this version, lacks a file, or whose dist/ differs from the repository's. */
function checkTarball(root, tarball, version) {
  const unpacked = mkdtempSync(join(tmpdir(), 'claimcheck-release-check-'));
  try {
    execFileSync('tar', ['-xzf', tarball, '-C', unpacked]);
    const pkg = join(unpacked, 'package');
    const missing = PACKAGE_FILES.filter((file) => !existsSync(join(pkg, file)));
    if (missing.length > 0) throw new ReleaseError(`the npm tarball lacks ${missing.join(', ')} (package.json "files")`);
    const packedVersion = readJson(join(pkg, 'package.json')).version;
    if (packedVersion !== version) throw new ReleaseError(`the npm tarball says version ${packedVersion}, not ${version}`);
    const differ = differences(join(root, 'dist'), join(pkg, 'dist'));
    if (differ.length > 0) {
      const files = differ.map((file) => `dist/${file}`).join(', ');
      throw new ReleaseError(`the npm tarball's dist/ is not the repository's (${files}): the Action tag and orb ${version} would not run what npm serves`);
    }
  } finally {
    rmSync(unpacked, { recursive: true, force: true });
  }
}

function orbDigest(root) {
  // The launcher is packed minified, inside a YAML string: DIGEST=\"<hex>\" in the file's text.
  const match = /\bDIGEST=\\?"([0-9a-f]{64})\\?"/.exec(readFileSync(join(root, 'orb', 'orb.yml'), 'utf8'));
  if (!match) throw new ReleaseError('orb/orb.yml names no bundle digest; run npm run build');
  return match[1];
}

/** The release's files in `out`; returns what the checklist states about them. */
function writeReleaseFiles(root, out, version) {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const { file, integrity } = packTarball(root, out);
  checkTarball(root, join(out, file), version);
  const digest = orbDigest(root);
  if (bundleDigest(join(root, 'dist', 'circleci')) !== digest) throw new ReleaseError(`orb/orb.yml checks digest ${digest}, which is not dist/circleci's; run npm run build`);
  copyFileSync(join(root, 'orb', 'orb.yml'), join(out, 'orb.yml'));
  writeFileSync(join(out, 'notes.md'), `${releaseNotes(readFileSync(join(root, 'CHANGELOG.md'), 'utf8'), version)}\n`);
  const sums = [file, 'orb.yml', 'notes.md'].map((name) => `${sha256(readFileSync(join(out, name)))}  ${name}`);
  writeFileSync(join(out, 'SHA256SUMS'), `${sums.join('\n')}\n`);
  const first = git(root, ['tag', '--list', 'v*']).trim() === '';
  const facts = { version, out: relative(root, out) || '.', tarball: file, integrity, digest, first };
  writeFileSync(join(out, 'CHECKLIST.md'), checklist(facts));
  return facts;
}

function firstReleaseSection({ version }) {
  return `
## Once, before the first release

No vX.Y.Z tag exists yet, so nothing has been published: set these up first.

- [ ] npm: the name \`claimcheck\` is yours (\`npm view claimcheck\` answers 404, or \`npm owner ls claimcheck\` lists you), and an npm automation token is the secret NPM_TOKEN of the GitHub environment \`release\` (Settings → Environments; add required reviewers there to approve each release).
- [ ] GitHub: the repository is public as claimcheck/claimcheck, the name the examples and the orb use.
- [ ] CircleCI: the namespace and the orb exist (\`circleci namespace create claimcheck --org-id <org>\`, \`circleci orb create claimcheck/claimcheck\`); the project is followed with setup workflows enabled; the context \`orb-publishing\` holds CIRCLE_TOKEN (a namespace owner's API token); the project variable CLAIMCHECK_TEST_ROLE_ARN names a role that trusts this project's OIDC tokens for sts.amazonaws.com.
- [ ] GitHub Marketplace (optional): once release.yml has made the release v${version}, edit it and tick "Publish this Action to the GitHub Marketplace".
`;
}

function publishSection({ version }) {
  const major = version.split('.')[0];
  return `
## Publish

- [ ] Read the diff: \`git diff\`
- [ ] \`npm test\`
- [ ] \`git add -A && git commit -m "Release ${version}"\`
- [ ] \`git tag -a v${version} -m "claimcheck ${version}"\`
- [ ] \`git push origin HEAD v${version}\`

The tag starts .github/workflows/release.yml (the tests, \`npm publish --provenance\`, the GitHub release with these notes, the v${major} tag moved when this is the newest ${major}.x) and the CircleCI pipeline (the dev orb in a real job, then, once npm serves claimcheck-${version}.tgz with this dist/circleci, \`circleci orb publish orb/orb.yml claimcheck/claimcheck@${version}\`).
`;
}

function byHandSection({ version, out, tarball }) {
  const major = version.split('.')[0];
  return `
## By hand, if a workflow cannot (in this order: the orb downloads what npm serves)

- [ ] \`npm publish ${out}/${tarball} --access public\`
- [ ] \`circleci orb publish ${out}/orb.yml claimcheck/claimcheck@${version}\`
- [ ] \`gh release create v${version} --verify-tag --title "claimcheck ${version}" --notes-file ${out}/notes.md\`
- [ ] If ${version} is the newest ${major}.x: \`git tag -f v${major} v${version}^{} && git push -f origin refs/tags/v${major}\`
`;
}

function verifySection({ version, integrity, digest }) {
  return `
## Check what was published

- [ ] npm: \`npm view claimcheck@${version} dist.integrity\` is ${integrity} if it was published from this tarball (the workflow packs its own: then \`CIRCLE_TAG=v${version} .circleci/scripts/check-npm-tarball.sh\` compares its dist/circleci byte for byte).
- [ ] Orb: \`circleci orb info claimcheck/claimcheck@${version}\`; its launcher checks the digest ${digest}.
- [ ] Action: \`git ls-remote --tags origin v${version}\`, and a workflow with \`uses: claimcheck/claimcheck@v${version}\` assumes a role.
- [ ] README, docs/ and examples/github: every pin is ${version} (no \`<commit SHA>\` or \`<version>\` placeholder is left), and no note says that nothing is published.
`;
}

/** CHECKLIST.md: what to do, in order, with this release's names and figures. */
export function checklist(facts) {
  const { version, out, tarball, integrity, digest, first } = facts;
  const head = `# Releasing claimcheck ${version}

\`npm run release -- ${version}\` bumped the version, rebuilt dist/ and the orb, and wrote into ${out}/:

- ${tarball}: the npm package (integrity ${integrity}). Its dist/ is the repository's, so the Action tag, the npm package and the orb run the same code.
- orb.yml: the orb claimcheck/claimcheck@${version}. It runs that tarball's dist/circleci only if its digest is ${digest}.
- notes.md: the release notes (the CHANGELOG's ${version} section). SHA256SUMS: these files' SHA-256.
`;
  return [head, first ? firstReleaseSection(facts) : '', publishSection(facts), byHandSection(facts), verifySection(facts)].join('');
}

function printSummary({ version, out, digest, first }) {
  console.log(`
Prepared claimcheck ${version}: the npm tarball carries this dist/, and orb ${version} checks digest ${digest}.
Everything to publish is in ${out}/; follow ${out}/CHECKLIST.md${first ? ', whose first section is the set-up a first release needs' : ''}. In short:

  git diff && npm test
  git add -A
  git commit -m "Release ${version}"
  git tag -a v${version} -m "claimcheck ${version}"
  git push origin HEAD v${version}
`);
}

export function prepareRelease({ root, version, date, out = join(root, 'build', 'release', version) }) {
  requireCleanTree(root);
  const current = readJson(join(root, 'package.json')).version;
  requireGreater(version, current);
  const changelogPath = join(root, 'CHANGELOG.md');
  const changelog = releaseChangelog(readFileSync(changelogPath, 'utf8'), version, date);
  try {
    bumpVersion(root, current, version);
    writeFileSync(changelogPath, changelog);
    // The build reads package.json: dist/, orb/orb.yml and src/core/version.generated.ts follow.
    execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
    printSummary(writeReleaseFiles(root, out, version));
  } catch (error) {
    // The tree was clean (untracked files included): this puts it back as it was.
    git(root, ['checkout', '--', '.']);
    git(root, ['clean', '-fdq']);
    if (error instanceof ReleaseError) throw new ReleaseError(`${error.message}\nNothing is released: the tracked files are as they were.`);
    throw error;
  }
}

function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { root: { type: 'string' }, date: { type: 'string' }, notes: { type: 'string' }, out: { type: 'string' } },
  });
  const root = resolve(values.root ?? fileURLToPath(new URL('..', import.meta.url)));
  if (values.notes) {
    console.log(releaseNotes(readFileSync(join(root, 'CHANGELOG.md'), 'utf8'), values.notes));
    return;
  }
  if (positionals.length !== 1) throw new ReleaseError('usage: npm run release -- X.Y.Z');
  const date = values.date ?? new Date().toISOString().slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new ReleaseError(`--date ${date} is not YYYY-MM-DD`);
  prepareRelease({ root, version: positionals[0], date, ...(values.out ? { out: resolve(values.out) } : {}) });
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
