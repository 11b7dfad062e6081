// The shape ARCHITECTURE.md promises, checked on the sources: imports point down the layers,
// static imports form no circle, the core is pure, the flow names no cloud, and rooms and
// files stay small enough to read.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../harness/github.ts';

const SRC = join(REPO_ROOT, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : name.endsWith('.ts') ? [path] : [];
  });
}

interface Import {
  readonly from: string;
  /** A file of src (resolved), or a package or node: builtin as written. */
  readonly to: string;
  readonly typeOnly: boolean;
}

const IMPORT = /^\s*(import|export)\s+(type\s+)?(?:[\w*{}\s,]+\s+from\s+)?['"]([^'"]+)['"]/gm;
const DYNAMIC = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const target = (spec: string) => (spec.startsWith('.') ? resolve(dirname(file), spec).replace(/\.js$/, '.ts') : spec);
  const found: Import[] = [...text.matchAll(IMPORT)].map((match) => ({ from: file, to: target(match[3] as string), typeOnly: match[2] !== undefined }));
  // A dynamic import is a lazy edge: it counts for the layers, not for circles.
  for (const match of text.matchAll(DYNAMIC)) found.push({ from: file, to: target(match[1] as string), typeOnly: true });
  return found;
}

const files = sourceFiles(SRC);
const imports = files.flatMap(importsOf);
const rel = (path: string) => relative(SRC, path);

/** Higher layers may import lower ones and their own; never the other way. */
function layerOf(path: string): number {
  const name = rel(path);
  if (!name.includes('/')) return 6; // entries
  const room = name.split('/')[0];
  const layers: Record<string, number> = { platform: 5, cli: 5, clouds: 4, flow: 3, oidc: 2, net: 2, files: 2, core: 1 };
  const layer = layers[room as string];
  if (layer === undefined) throw new Error(`${name} is in a room ARCHITECTURE.md does not name`);
  return layer;
}

describe('the layers', () => {
  it('are named for every room of src', () => {
    for (const file of files) expect(() => layerOf(file)).not.toThrow();
  });

  it('import only downwards or within their own layer', () => {
    const upward = imports.filter((edge) => edge.to.startsWith(SRC) && layerOf(edge.to) > layerOf(edge.from)).map((edge) => `${rel(edge.from)} -> ${rel(edge.to)}`);
    expect(upward).toEqual([]);
  });

  it('have no circle of static value imports', () => {
    const edges = new Map<string, string[]>();
    for (const edge of imports) if (!edge.typeOnly && edge.to.startsWith(SRC)) edges.set(rel(edge.from), [...(edges.get(rel(edge.from)) ?? []), rel(edge.to)]);
    expect(edges.size).toBeGreaterThan(50);
    expect(circlesIn(edges)).toEqual([]);
  });

  it('would see a circle: the search finds one in a graph that has it', () => {
    expect(circlesIn(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]))).toEqual(['a -> b -> c -> a']);
  });
});

/** Each circle found by a depth-first walk, as `a -> b -> a`. */
function circlesIn(edges: ReadonlyMap<string, readonly string[]>): string[] {
  const state = new Map<string, 'open' | 'done'>();
  const circles: string[] = [];
  const visit = (node: string, path: string[]) => {
    if (state.get(node) === 'done') return;
    if (state.get(node) === 'open') {
      circles.push([...path.slice(path.indexOf(node)), node].join(' -> '));
      return;
    }
    state.set(node, 'open');
    for (const next of edges.get(node) ?? []) visit(next, [...path, node]);
    state.set(node, 'done');
  };
  for (const node of edges.keys()) visit(node, []);
  return circles;
}

describe('the core', () => {
  it('is pure: no node: builtin, no package, no process', () => {
    const core = files.filter((file) => rel(file).startsWith('core/'));
    expect(core.length).toBeGreaterThan(30);
    expect(imports.filter((edge) => rel(edge.from).startsWith('core/') && !edge.to.startsWith(SRC)).map((edge) => `${rel(edge.from)} -> ${edge.to}`)).toEqual([]);
    expect(core.filter((file) => /\bprocess\.(env|cwd|exit|argv)\b/.test(readFileSync(file, 'utf8'))).map(rel)).toEqual([]);
  });
});

describe('the flow', () => {
  it('names no cloud and loads no cloud SDK', () => {
    const flow = files.filter((file) => rel(file).startsWith('flow/'));
    expect(flow.length).toBeGreaterThan(2);
    for (const file of flow) {
      const code = readFileSync(file, 'utf8').replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, '');
      expect([rel(file), code.match(/['"](aws|gcp|azure)['"]|@aws-sdk|google-auth|@azure\//)?.[0]]).toEqual([rel(file), undefined]);
    }
  });
});

describe('rooms and files', () => {
  it('no room holds more than 12 files at its top level', () => {
    const rooms = new Map<string, number>();
    for (const file of files) rooms.set(dirname(rel(file)), (rooms.get(dirname(rel(file))) ?? 0) + 1);
    expect([...rooms].filter(([room, count]) => room !== '.' && count > 12)).toEqual([]);
  });

  it('no file is over 400 lines, and the entries only wire (under 50)', () => {
    const lines = (file: string) => readFileSync(file, 'utf8').split('\n').length;
    expect(files.filter((file) => lines(file) > 400).map(rel)).toEqual([]);
    expect(files.filter((file) => !rel(file).includes('/') && lines(file) > 50).map(rel)).toEqual([]);
  });
});
