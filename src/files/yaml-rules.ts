// YAML rules files: parsed to a document first, so that a key named twice in one map is
// reported with its path (the parser's own check only gives a line, and misses `1:` next to
// `"1":`, which become the same property). Imported only for YAML files: ncc gives it and
// the YAML parser a chunk of their own.
import { isAlias, isMap, isScalar, isSeq, parseDocument, type Document } from 'yaml';
import { childPath, describeDuplicateKey } from '../core/text/duplicate-keys.js';

export interface ParsedYaml {
  readonly value: unknown;
  /** A key named twice in one map, or a key that is no name, described with its path. */
  readonly keyProblem: string | undefined;
}

/** Throws the parser's error for text that is not YAML. */
export function parseYamlRules(text: string): ParsedYaml {
  const document = parseDocument(text, { uniqueKeys: false });
  if (document.errors.length > 0) throw document.errors[0];
  const keyProblem = findKeyProblem(document);
  return { value: keyProblem === undefined ? document.toJS({ maxAliasCount: 10 }) : undefined, keyProblem };
}

/** The property name a key becomes, or undefined for a list or map used as a key. */
function keyName(key: unknown, document: Document): string | undefined {
  const node = isAlias(key) ? key.resolve(document) : key;
  if (node === null || node === undefined) return '';
  if (!isScalar(node)) return undefined;
  return node.value === null ? '' : String(node.value);
}

function findKeyProblem(document: Document): string | undefined {
  // Depth first, in document order, without recursion: nesting depth is the file's to choose.
  const pending: Array<{ readonly node: unknown; readonly path: string }> = [{ node: document.contents, path: '' }];
  while (pending.length > 0) {
    const { node, path } = pending.pop() as { node: unknown; path: string };
    const children: Array<{ node: unknown; path: string }> = [];
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = keyName(pair.key, document);
        if (key === undefined) return `${path === '' ? 'top level' : path}: a key is a list or a map; keys are names`;
        if (seen.has(key)) return describeDuplicateKey({ path, key });
        seen.add(key);
        children.push({ node: pair.value, path: childPath(path, key) });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => children.push({ node: item, path: `${path}[${index}]` }));
    }
    for (let i = children.length - 1; i >= 0; i--) pending.push(children[i] as { node: unknown; path: string });
  }
  return undefined;
}
