// One version line: package.json's version is the source, and everything that states a
// version (the lockfile, the generated module behind the User-Agent and the audit record,
// the CLI's --version, the packed orb and its examples, the pins users copy from the README,
// the guides in docs/ and the examples, the CHANGELOG) states that one. Until the first
// release, the pins users copy are placeholders that resolve (a commit), never a version that
// does not exist.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { VERSION as GENERATED_VERSION } from '../../src/core/version.generated.js';
import { GITHUB_EXAMPLES, launcherPins, readText, REPO_ROOT, VERSION } from './repo.ts';
import { nodeRuntimes } from '../harness/runtimes.ts';

/** Before the first release the README says nothing is published, and the pins are placeholders. */
const unreleased = readText('README.md').includes('<!-- not-yet-released:start -->');

interface Lockfile {
  version: string;
  packages: Record<string, { version?: string }>;
}

interface PackedOrb {
  examples: Record<string, { usage: { orbs: Record<string, string> } }>;
}

/** Every `<prefix><version>` in a text, as the versions found. */
function pinnedVersions(text: string, prefix: string): string[] {
  const escaped = prefix.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  return [...text.matchAll(new RegExp(`${escaped}(\\d+\\.\\d+\\.\\d+)(?![\\w.])`, 'g'))].map((match) => match[1]!);
}

describe('the version line', () => {
  it('is a plain X.Y.Z in package.json', () => {
    expect(VERSION).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('is package-lock.json\'s version, at the top and for the root package', () => {
    const lock = JSON.parse(readText('package-lock.json')) as Lockfile;
    expect(lock.version).toBe(VERSION);
    expect(lock.packages['']?.version).toBe(VERSION);
  });

  it('is the generated VERSION (User-Agent claimcheck/<v>, audit record, step summary)', () => {
    expect(GENERATED_VERSION).toBe(VERSION);
  });

  it('is what the built CLI prints for --version', () => {
    expect(execFileSync(nodeRuntimes()[0]!.node, [join(REPO_ROOT, 'bin/claimcheck.js'), '--version'], { encoding: 'utf8' }).trim()).toBe(VERSION);
  });

  it('is the packed orb\'s launcher version and every orb example\'s pin', () => {
    const text = readText('orb/orb.yml');
    expect(launcherPins(text).version).toBe(VERSION);
    const orb = parse(text) as PackedOrb;
    for (const [name, example] of Object.entries(orb.examples)) {
      expect([name, example.usage.orbs.claimcheck]).toEqual([name, `claimcheck/claimcheck@${VERSION}`]);
    }
    expect(new Set(pinnedVersions(text, 'claimcheck/claimcheck@'))).toEqual(new Set([VERSION]));
  });

  it('is every exact pin in the README and the guides in docs/ (orb X.Y.Z, Action vX.Y.Z); before the first release, placeholders that resolve', () => {
    const docs = ['README.md', ...readdirSync(join(REPO_ROOT, 'docs')).filter((name) => name.endsWith('.md')).sort().map((name) => `docs/${name}`)];
    const pins = docs.flatMap((file) => {
      const text = readText(file);
      return [...pinnedVersions(text, 'claimcheck/claimcheck@'), ...pinnedVersions(text, 'claimcheck/claimcheck@v')].map((found) => [file, found]);
    });
    for (const [file, found] of pins) expect([file, found]).toEqual([file, VERSION]);
    if (unreleased) {
      // No version resolves yet: the quick starts pin a commit (the Action) and say how to use the orb today.
      expect(pins).toEqual([]);
      expect(readText('README.md')).toContain('claimcheck/claimcheck@<commit SHA>');
      expect(readText('README.md')).toContain('claimcheck/claimcheck@<version>');
    } else {
      expect(pins.map(([file]) => file)).toContain('README.md');
    }
  });

  it('is every exact pin in the GitHub examples; before the first release, a commit placeholder', () => {
    expect(GITHUB_EXAMPLES.length).toBeGreaterThanOrEqual(4);
    for (const file of GITHUB_EXAMPLES) {
      const pins = pinnedVersions(readText(file), 'claimcheck/claimcheck@v');
      const placeholders = readText(file).split('claimcheck/claimcheck@<commit SHA>').length - 1;
      expect([file, pins.length + placeholders > 0]).toEqual([file, true]);
      expect([file, [...new Set(pins)], unreleased || placeholders === 0]).toEqual([file, unreleased ? [] : [VERSION], true]);
    }
  });

  it('has its section in CHANGELOG.md, below an Unreleased section', () => {
    const changelog = readText('CHANGELOG.md');
    const unreleased = changelog.indexOf('\n## [Unreleased]\n');
    const current = changelog.search(new RegExp(`\\n## \\[${VERSION.replaceAll('.', '\\.')}\\] - \\d{4}-\\d{2}-\\d{2}\\n`));
    expect(unreleased).toBeGreaterThan(0);
    expect(current).toBeGreaterThan(unreleased);
  });
});
