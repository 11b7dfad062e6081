// Every relative link in the docs leads somewhere: the README, ARCHITECTURE.md and
// CONTRIBUTING.md, the CHANGELOG and every Markdown file under docs/ are parsed as GitHub
// parses them (micromark with GFM, so links in code are not links), and each relative link
// must name a file of the repository, and each #anchor a heading of the Markdown file it
// points into (GitHub's slug) or an explicit <a id="…"> / <a name="…"> there. External links
// are not fetched.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import type { Nodes } from 'mdast';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../harness/github.ts';
import { parseGfm } from '../harness/markdown.ts';

/** A link or anchor that goes nowhere: the file it is in, the link, and why. */
interface Broken {
  readonly file: string;
  readonly link: string;
  readonly reason: string;
}

/** The Markdown files whose links are checked, relative to the root. */
function checkedFiles(root: string): string[] {
  const optional = ['ARCHITECTURE.md', 'CONTRIBUTING.md'].filter((name) => existsSync(join(root, name)));
  const docs = existsSync(join(root, 'docs')) ? readdirSync(join(root, 'docs'), { recursive: true }).map(String).filter((name) => name.endsWith('.md')).sort().map((name) => `docs/${name.split(sep).join('/')}`) : [];
  return ['README.md', ...optional, 'CHANGELOG.md', ...docs];
}

/** GitHub's slug of a heading's text: lowercase, punctuation dropped but for - and _, each space a -. */
export function slug(text: string): string {
  return text.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
}

/** The text GitHub shows for a heading: its text and code, without HTML tags. */
function headingText(node: Nodes): string {
  if (node.type === 'html') return '';
  if (node.type === 'text' || node.type === 'inlineCode') return node.value;
  return 'children' in node ? node.children.map(headingText).join('') : '';
}

const EXPLICIT_ANCHOR = /<a\s[^>]*?\b(?:id|name)\s*=\s*(?:"([^"]*)"|'([^']*)')/gi;
const HTML_LINK = /<(?:a|img)\s[^>]*?\b(?:href|src)\s*=\s*(?:"([^"]*)"|'([^']*)')/gi;

interface Parsed {
  readonly anchors: Set<string>;
  readonly links: string[];
}

/** A Markdown file's anchors (headings, numbered as GitHub numbers duplicates, and explicit ones) and links. */
function parse(markdown: string): Parsed {
  const anchors = new Set<string>();
  const occurrences = new Map<string, number>();
  const links: string[] = [];
  const addHeading = (text: string) => {
    const base = slug(text);
    let id = base;
    while (occurrences.has(id)) {
      const count = (occurrences.get(base) ?? 0) + 1;
      occurrences.set(base, count);
      id = `${base}-${count}`;
    }
    occurrences.set(id, 0);
    anchors.add(id);
  };
  const visit = (node: Nodes): void => {
    switch (node.type) {
      case 'heading':
        addHeading(headingText(node));
        break;
      case 'link':
      case 'image':
      case 'definition':
        links.push(node.url);
        break;
      case 'html':
        for (const match of node.value.matchAll(EXPLICIT_ANCHOR)) anchors.add((match[1] ?? match[2]) as string);
        for (const match of node.value.matchAll(HTML_LINK)) links.push((match[1] ?? match[2]) as string);
        break;
    }
    if ('children' in node) node.children.forEach(visit);
  };
  visit(parseGfm(markdown));
  return { anchors, links };
}

/** Every broken relative link and anchor in the files (relative to root). */
export function brokenLinks(root: string, files: readonly string[]): Broken[] {
  const parsed = new Map<string, Parsed>();
  const parsedFile = (path: string): Parsed => {
    let result = parsed.get(path);
    if (result === undefined) {
      result = parse(readFileSync(path, 'utf8'));
      parsed.set(path, result);
    }
    return result;
  };
  const broken: Broken[] = [];
  for (const file of files) {
    const source = resolve(root, file);
    for (const link of parsedFile(source).links) {
      if (/^[a-z][a-z\d+.-]*:/i.test(link) || link.startsWith('//')) continue; // external: not fetched
      const fail = (reason: string) => broken.push({ file, link, reason });
      const hash = link.indexOf('#');
      const [pathPart, anchor] = hash < 0 ? [link, undefined] : [link.slice(0, hash), decodeURIComponent(link.slice(hash + 1))];
      const path = decodeURIComponent(pathPart.replace(/\?.*$/, ''));
      const target = path === '' ? source : path.startsWith('/') ? resolve(root, `.${path}`) : resolve(dirname(source), path);
      const inside = relative(resolve(root), target);
      if (inside.startsWith(`..${sep}`) || inside === '..') {
        fail('points outside the repository');
        continue;
      }
      if (!existsSync(target)) {
        fail(`${inside} does not exist`);
        continue;
      }
      if (anchor === undefined) continue;
      if (extname(target).toLowerCase() !== '.md') {
        if (!/^L\d+(-L\d+)?$/.test(anchor)) fail(`#${anchor} in ${inside}, which is not Markdown`);
        continue;
      }
      if (!parsedFile(target).anchors.has(anchor)) fail(`${inside} has no heading or anchor #${anchor}`);
    }
  }
  return broken;
}

describe('links in the docs', () => {
  it('are checked in the README, the CHANGELOG and every guide in docs/, and the README links every guide at the top of docs/', () => {
    const files = checkedFiles(REPO_ROOT);
    expect(files).toEqual(expect.arrayContaining(['README.md', 'CHANGELOG.md', 'docs/TROUBLESHOOTING.md', 'docs/github-actions.md', 'docs/circleci.md']));
    // Had the parser missed the links, nothing would be checked: the README links every guide.
    expect(parse(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8')).links).toEqual(expect.arrayContaining(files.filter((file) => !file.slice('docs/'.length).includes('/') && file.startsWith('docs/'))));
  });

  it('lead to files that exist, and anchors to headings or explicit anchors there', () => {
    expect(brokenLinks(REPO_ROOT, checkedFiles(REPO_ROOT))).toEqual([]);
  });
});

describe('the link checker', () => {
  function repository(files: Record<string, string>): string {
    const root = join(tmpdir(), 'repo');
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    return root;
  }

  it('makes GitHub\'s slugs', () => {
    expect(slug('Quick start (GitHub Actions)')).toBe('quick-start-github-actions');
    expect(slug('GitLab CI/CD, Buildkite, Bitbucket Pipelines: --platform')).toBe('gitlab-cicd-buildkite-bitbucket-pipelines---platform');
    expect(slug('From the circleci/aws-cli orb (aws-cli/setup with role_arn)')).toBe('from-the-circleciaws-cli-orb-aws-clisetup-with-role_arn');
    expect(slug('Trust policies: `OK` & `FAIL` — what they promise')).toBe('trust-policies-ok--fail--what-they-promise');
    expect(slug('Überblick 2026')).toBe('überblick-2026');
  });

  it('accepts headings (duplicates numbered), explicit anchors, files and line anchors, and skips code and external links', () => {
    const root = repository({
      'README.md': [
        '# Title',
        '## Setup',
        '## Setup',
        '## `role-chain`: hops',
        '<a id="custom"></a>',
        '[a](#title) [b](#setup) [c](#setup-1) [d](#role-chain-hops) [e](#custom) [f](docs/guide.md#usage)',
        '[g](docs/) [h](schema.json) [i](schema.json#L3) [j](https://example.com/#nowhere)',
        '`[not a link](#nowhere)`',
        '',
        '```md',
        '[not a link either](missing.md)',
        '```',
        '',
        '[ref]: docs/guide.md#usage',
        '',
      ].join('\n'),
      'docs/guide.md': '# Guide\n\n## Usage\n\n[back](../README.md#setup) <a href="../README.md#custom">html</a>\n',
      'schema.json': '{}\n',
    });
    expect(brokenLinks(root, ['README.md', 'docs/guide.md'])).toEqual([]);
  });

  it('finds a missing file, a missing anchor in the same file or another, a third duplicate, and links that leave the repository', () => {
    const root = repository({
      'README.md': '# Title\n\n## Setup\n\n## Setup\n\n[a](#setup-2) [b](#nowhere) [c](docs/guide.md#missing) [d](docs/missing.md) [e](../outside.md) [f](schema.json#section)\n\n[ref]: #also-nowhere\n',
      'docs/guide.md': '# Guide\n\n<a name="kept"></a>\n\n[g](../README.md#Setup) [h](#kept)\n',
      'schema.json': '{}\n',
    });
    expect(brokenLinks(root, ['README.md', 'docs/guide.md'])).toEqual([
      { file: 'README.md', link: '#setup-2', reason: 'README.md has no heading or anchor #setup-2' },
      { file: 'README.md', link: '#nowhere', reason: 'README.md has no heading or anchor #nowhere' },
      { file: 'README.md', link: 'docs/guide.md#missing', reason: 'docs/guide.md has no heading or anchor #missing' },
      { file: 'README.md', link: 'docs/missing.md', reason: 'docs/missing.md does not exist' },
      { file: 'README.md', link: '../outside.md', reason: 'points outside the repository' },
      { file: 'README.md', link: 'schema.json#section', reason: '#section in schema.json, which is not Markdown' },
      { file: 'README.md', link: '#also-nowhere', reason: 'README.md has no heading or anchor #also-nowhere' },
      { file: 'docs/guide.md', link: '../README.md#Setup', reason: 'README.md has no heading or anchor #Setup' },
    ]);
  });

  it('checks links to ARCHITECTURE.md, and into it', () => {
    const root = repository({ 'README.md': '# Title\n\n[map](ARCHITECTURE.md#code-map)\n', 'ARCHITECTURE.md': '# Architecture\n\n## Bird\'s-eye view\n' });
    expect(checkedFiles(root)).toEqual(['README.md', 'ARCHITECTURE.md', 'CHANGELOG.md']);
    expect(brokenLinks(root, ['README.md'])).toEqual([{ file: 'README.md', link: 'ARCHITECTURE.md#code-map', reason: 'ARCHITECTURE.md has no heading or anchor #code-map' }]);
  });
});
