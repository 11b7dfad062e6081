// scripts/release.mjs on a temporary copy of the repository, in a fresh git repository with
// this checkout's node_modules linked in. The copy holds the committed files (edits in
// progress elsewhere in the checkout cannot break its build) plus the release's own files as
// they are now, a README note that nothing is published yet, and a guide in docs/ that pins
// both the orb and the Action. The script refuses a dirty tree, a version that is not greater,
// an empty Unreleased section and an npm tarball that would not carry this dist/ (and puts
// the files back); a real release bumps the version everywhere (every pin in the README,
// docs/ and the examples), rebuilds, moves the CHANGELOG's entries, drops the note, writes
// the tarball, the orb, the notes, SHA256SUMS and a checklist into build/release/X.Y.Z, and
// commits nothing.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { spawnSync as spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { GITHUB_EXAMPLES, launcherPins, REPO_ROOT, VERSION } from './repo.ts';
import { nodeRuntimes } from '../harness/runtimes.ts';

const RELEASE_DATE = '2030-01-02';
const [major, minor] = VERSION.split('.').map(Number) as [number, number];
const NEXT = `${major}.${minor + 1}.0`;
let copy: string;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[]): Run {
  const result = spawnSync(command, args, { cwd: copy, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function git(...args: string[]): string {
  const result = run('git', args);
  if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

function release(...args: string[]): Run {
  return run(process.execPath, [join(copy, 'scripts/release.mjs'), '--root', copy, '--date', RELEASE_DATE, ...args]);
}

function sha256(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function read(path: string): string {
  return readFileSync(join(copy, path), 'utf8');
}

/** The files the release reads or writes that may not be committed yet, as they are now. */
const RELEASE_FILES = ['scripts/release.mjs', 'CHANGELOG.md', 'README.md', ...readdirSync(join(REPO_ROOT, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`), ...GITHUB_EXAMPLES];

function makeCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'claimcheck-release-'));
  const archive = spawnSync('sh', ['-c', 'git -C "$1" archive --format=tar HEAD | tar -x -C "$2"', 'sh', REPO_ROOT, dir], { encoding: 'utf8' });
  if (archive.status !== 0) throw new Error(`copying HEAD failed: ${archive.stderr}`);
  for (const file of RELEASE_FILES) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    cpSync(join(REPO_ROOT, file), join(dir, file));
  }
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

function commitAll(message: string): void {
  git('add', '--all');
  git('-c', 'user.name=test', '-c', 'user.email=test@example.com', 'commit', '--quiet', '--message', message);
}

function unreleasedEntries(changelog: string): string {
  const start = changelog.indexOf('## [Unreleased]\n') + '## [Unreleased]\n'.length;
  return changelog.slice(start, changelog.indexOf('\n## [', start)).trim();
}

const NOTE = '<!-- not-yet-released:start -->\n> **Not published yet.** Use the Action pinned by commit SHA.\n<!-- not-yet-released:end -->\n';

/** A guide that pins both front doors, so that the rewrite of every doc is tested whether or not a real guide pins one. */
const PINNING_GUIDE = 'docs/pinned-example.md';

/** The README and the guides in docs/ that pin this version (orb X.Y.Z or Action vX.Y.Z), as the copy has them. */
let pinnedDocs: string[] = [];
/** Those that pin a placeholder until the first release (a commit for the Action, a version for the orb), and those with a note that nothing is published. */
let placeholderDocs: string[] = [];
let notedDocs: string[] = [];

const pins = (version: string) => [`claimcheck/claimcheck@${version}`, `claimcheck/claimcheck@v${version}`];
const PLACEHOLDERS = ['claimcheck/claimcheck@<commit SHA>', 'claimcheck/claimcheck@<version>'];

beforeAll(() => {
  copy = makeCopy();
  const readme = read('README.md');
  // The README carries the note until the first release; a copy without it gets one.
  if (!readme.includes('<!-- not-yet-released:start -->')) writeFileSync(join(copy, 'README.md'), readme.replace('\n## ', `\n${NOTE}\n## `));
  writeFileSync(join(copy, PINNING_GUIDE), `# Pinned\n\n\`orbs: { claimcheck: ${pins(VERSION)[0]} }\` and \`uses: ${pins(VERSION)[1]}\`\n`);
  const docs = ['README.md', ...readdirSync(join(copy, 'docs')).filter((name) => name.endsWith('.md')).sort().map((name) => `docs/${name}`)];
  pinnedDocs = docs.filter((file) => pins(VERSION).some((pin) => read(file).includes(pin)));
  placeholderDocs = docs.filter((file) => PLACEHOLDERS.some((pin) => read(file).includes(pin)));
  notedDocs = docs.filter((file) => read(file).includes('<!-- not-yet-released:start -->'));
  git('init', '--quiet', '--initial-branch=main');
  commitAll('copy');
});

afterAll(() => {
  if (copy) rmSync(copy, { recursive: true, force: true });
});

describe('npm run release -- X.Y.Z', () => {
  it('refuses a dirty git tree and changes nothing', () => {
    writeFileSync(join(copy, 'stray.txt'), 'uncommitted\n');
    const result = release(NEXT);
    rmSync(join(copy, 'stray.txt'));
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('the git tree is not clean');
    expect(result.stderr).toContain('stray.txt');
    expect(git('status', '--porcelain')).toBe('');
  });

  it('refuses a version that is not greater than package.json\'s, or not X.Y.Z', () => {
    const lower = major > 0 ? `${major - 1}.9.9` : `0.${Math.max(minor - 1, 0)}.0`;
    for (const version of [VERSION, lower]) {
      const result = release(version);
      expect([version, result.status, result.stderr]).toEqual([version, 1, expect.stringContaining(`is not greater than the current version ${VERSION}`)]);
    }
    for (const version of [`${NEXT}-rc.1`, 'v9.0.0', '9.0']) {
      expect(release(version).stderr).toContain('is not a version of the form X.Y.Z');
    }
    expect(git('status', '--porcelain')).toBe('');
  });

  it('refuses a release whose npm tarball would not carry this dist/, and puts every file back', () => {
    const original = read('package.json');
    const pkg = JSON.parse(original) as { files: string[] };
    // "files" narrowed by mistake: npm would serve no dist/circleci, the bundle the orb runs.
    writeFileSync(join(copy, 'package.json'), `${JSON.stringify({ ...pkg, files: pkg.files.flatMap((entry) => (entry === 'dist/' ? ['dist/main/', 'dist/post/', 'dist/cli/'] : [entry])) }, null, 2)}\n`);
    commitAll('npm would leave the orb\'s bundle out');
    const result = release(NEXT);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/the npm tarball's dist\/ is not the repository's \(dist\/circleci\/\S+(, dist\/circleci\/\S+)*\): the Action tag and orb \S+ would not run what npm serves/);
    expect(result.stderr).toContain('Nothing is released: the tracked files are as they were.');
    expect(git('status', '--porcelain')).toBe('');
    writeFileSync(join(copy, 'package.json'), original);
    commitAll('npm packs all of dist/ again');
  }, 180_000);

  it('bumps the version everywhere, rebuilds, moves the CHANGELOG entries, and commits nothing', () => {
    const entries = unreleasedEntries(read('CHANGELOG.md'));
    const result = release(NEXT);
    expect([result.status, result.stderr.slice(-2000)]).toEqual([0, expect.any(String)]);

    expect(JSON.parse(read('package.json')).version).toBe(NEXT);
    const lock = JSON.parse(read('package-lock.json')) as { version: string; packages: Record<string, { version: string }> };
    expect([lock.version, lock.packages['']?.version]).toEqual([NEXT, NEXT]);
    expect(read('src/core/version.generated.ts')).toContain(`export const VERSION = "${NEXT}";`);
    expect(run(nodeRuntimes()[0]!.node, ['bin/claimcheck.js', '--version']).stdout.trim()).toBe(NEXT);
    const orb = read('orb/orb.yml');
    expect(launcherPins(orb).version).toBe(NEXT);
    for (const example of Object.values((parse(orb) as { examples: Record<string, { usage: { orbs: { claimcheck: string } } }> }).examples)) {
      expect(example.usage.orbs.claimcheck).toBe(`claimcheck/claimcheck@${NEXT}`);
    }
    expect(read('README.md')).toContain(`claimcheck/claimcheck@${NEXT}`);
    expect(read('README.md')).toContain(`claimcheck/claimcheck@v${NEXT}`);
    expect(read('README.md')).not.toContain(`claimcheck/claimcheck@${VERSION}`);
    expect(pinnedDocs).toContain(PINNING_GUIDE);
    // Until the first release the README and the guides pin placeholders, and say why.
    expect(placeholderDocs).toEqual(expect.arrayContaining(['README.md', 'docs/github-actions.md', 'docs/releases.md']));
    expect(notedDocs).toEqual(expect.arrayContaining(['README.md', 'docs/circleci.md', 'docs/github-actions.md', 'docs/other-ci.md', 'docs/releases.md']));
    for (const file of [...new Set([...pinnedDocs, ...placeholderDocs])]) {
      expect([file, pins(VERSION).filter((pin) => read(file).includes(pin))]).toEqual([file, []]);
      expect([file, PLACEHOLDERS.filter((pin) => read(file).includes(pin))]).toEqual([file, []]);
    }
    for (const file of pinnedDocs) expect([file, pins(NEXT).some((pin) => read(file).includes(pin))]).toEqual([file, true]);
    for (const file of notedDocs) expect([file, read(file).includes('not-yet-released'), read(file).includes('## Use it today')]).toEqual([file, false, false]);
    expect(pins(NEXT).map((pin) => read(PINNING_GUIDE).includes(pin))).toEqual([true, true]);
    for (const file of GITHUB_EXAMPLES) {
      expect([file, read(file).includes(`claimcheck/claimcheck@v${NEXT}`), read(file).includes(`@v${VERSION}`), read(file).includes('<commit SHA>')]).toEqual([file, true, false, false]);
    }

    const changelog = read('CHANGELOG.md');
    expect(unreleasedEntries(changelog)).toBe('');
    expect(changelog).toContain(`## [Unreleased]\n\n## [${NEXT}] - ${RELEASE_DATE}\n\n${entries}\n\n## [${VERSION}] - `);
    expect(release('--notes', NEXT).stdout.trim()).toBe(entries);

    expect(read('README.md')).not.toContain('not-yet-released');
    expect(read('README.md')).not.toContain('Not published yet');

    for (const command of ['git commit -m', `git tag -a v${NEXT}`, `git push origin HEAD v${NEXT}`, `build/release/${NEXT}/CHECKLIST.md`]) expect(result.stdout).toContain(command);
    expect(git('rev-list', '--count', 'HEAD').trim()).toBe('3');
    expect(git('tag', '--list')).toBe('');
  }, 180_000);

  it('writes what publishing needs into build/release/X.Y.Z: the npm tarball of this dist/, the orb, the notes, their SHA-256 and a checklist', () => {
    const out = join(copy, 'build/release', NEXT);
    const tarball = `claimcheck-${NEXT}.tgz`;
    expect(readdirSync(out).sort()).toEqual(['CHECKLIST.md', 'SHA256SUMS', tarball, 'notes.md', 'orb.yml'].sort());
    expect(readFileSync(join(out, 'orb.yml'), 'utf8')).toBe(read('orb/orb.yml'));
    expect(readFileSync(join(out, 'notes.md'), 'utf8').trim()).toBe(release('--notes', NEXT).stdout.trim());
    for (const line of readFileSync(join(out, 'SHA256SUMS'), 'utf8').trim().split('\n')) {
      const [sum, name] = line.split(/ {2}/) as [string, string];
      expect([name, sha256(readFileSync(join(out, name)))]).toEqual([name, sum]);
    }
    // What npm will serve is what the orb checks: unpack it and compute the digest.
    const unpacked = mkdtempSync(join(tmpdir(), 'claimcheck-unpacked-'));
    try {
      expect(spawn('tar', ['-xzf', join(out, tarball), '-C', unpacked]).status).toBe(0);
      const dir = join(unpacked, 'package/dist/circleci');
      const digest = sha256(readdirSync(dir).sort().map((name) => `${name}\0${sha256(readFileSync(join(dir, name)))}\n`).join(''));
      expect(launcherPins(read('orb/orb.yml')).digest).toBe(digest);
      expect(JSON.parse(readFileSync(join(unpacked, 'package/package.json'), 'utf8')).version).toBe(NEXT);
      expect(existsSync(join(unpacked, 'package/bin/claimcheck.js'))).toBe(true);
    } finally {
      rmSync(unpacked, { recursive: true, force: true });
    }

    const checklist = readFileSync(join(out, 'CHECKLIST.md'), 'utf8');
    const digest = launcherPins(read('orb/orb.yml')).digest!;
    for (const text of [
      `# Releasing claimcheck ${NEXT}`,
      '## Once, before the first release', // no vX.Y.Z tag in this repository yet
      'NPM_TOKEN',
      'circleci orb create claimcheck/claimcheck',
      `git push origin HEAD v${NEXT}`,
      `npm publish build/release/${NEXT}/${tarball} --access public`,
      `circleci orb publish build/release/${NEXT}/orb.yml claimcheck/claimcheck@${NEXT}`,
      `--notes-file build/release/${NEXT}/notes.md`,
      `npm view claimcheck@${NEXT} dist.integrity`,
      digest,
    ]) {
      expect([text, checklist.includes(text)]).toEqual([text, true]);
    }
    expect(checklist).toMatch(/integrity sha512-[A-Za-z0-9+/]+=*/);
    expect(checklist.indexOf('npm publish build/')).toBeLessThan(checklist.indexOf('circleci orb publish build/'));
  });



  it('pins the rebuilt orb to the rebuilt CircleCI bundle (the digest its launcher checks)', () => {
    const dir = join(copy, 'dist/circleci');
    const digest = sha256(readdirSync(dir).sort().map((name) => `${name}\0${sha256(readFileSync(join(dir, name)))}\n`).join(''));
    expect(launcherPins(read('orb/orb.yml')).digest).toBe(digest);
  });

  it('refuses to release again while Unreleased says nothing', () => {
    commitAll(`Release ${NEXT}`);
    const result = release(`${major}.${minor + 2}.0`);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('says nothing under Unreleased');
    expect(git('status', '--porcelain')).toBe('');
  });
});

describe('the release checklist', () => {
  it('leaves out the one-time set-up once a vX.Y.Z tag exists', () => {
    const facts = { version: '1.4.2', out: 'build/release/1.4.2', tarball: 'claimcheck-1.4.2.tgz', integrity: 'sha512-x', digest: 'd'.repeat(64) };
    const script = `import { checklist } from ${JSON.stringify(join(REPO_ROOT, 'scripts/release.mjs'))}; for (const first of [true, false]) console.log(checklist({ ...${JSON.stringify(facts)}, first }), '\\0');`;
    const [first, later] = spawn(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }).stdout.split('\0');
    expect(first).toContain('## Once, before the first release');
    expect(later).not.toContain('## Once, before the first release');
    expect(later).toContain('git tag -f v1 v1.4.2^{} && git push -f origin refs/tags/v1');
  });
});
