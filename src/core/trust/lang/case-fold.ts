// Case-insensitive comparison as JavaScript's toLowerCase makes it (and so IAM's
// …IgnoreCase operators in the STS double): the values whose lower case is a given text. A
// character may lower to several (U+0130 to "i̇"), and several to one (K, k and the Kelvin
// sign to "k"). Only the Greek capital sigma depends on what follows it; a text whose lower
// case holds a sigma has no exact language here.
import { fromRanges, type CharSet } from './charset.js';
import { nothing, type Edge, type Nfa } from './nfa.js';

export class CaseFoldUndecidable extends Error {}

let preimages: Map<string, number[]> | undefined;

/** Every character whose lower case differs from it, by that lower case. Planes 0 and 1 hold every case mapping. */
function table(): Map<string, number[]> {
  if (preimages) return preimages;
  preimages = new Map();
  for (let code = 0; code <= 0x1ffff; code++) {
    if (code >= 0xd800 && code <= 0xdfff) continue;
    const char = String.fromCodePoint(code);
    const lower = char.toLowerCase();
    if (lower !== char) (preimages.get(lower) ?? preimages.set(lower, []).get(lower))?.push(code);
  }
  return preimages;
}

/** The characters whose lower case is exactly `lower` (one or more code points). */
function preimage(lower: string): CharSet {
  const codes = [...(table().get(lower) ?? [])];
  const points = Array.from(lower);
  if (points.length === 1 && lower.toLowerCase() === lower) codes.push(lower.codePointAt(0) as number);
  return fromRanges(codes.map((code) => [code, code] as const));
}

/** The texts whose lower case equals `text`'s. */
export function foldedNfa(text: string): Nfa {
  const target = Array.from(text.toLowerCase());
  if (target.some((char) => char === 'σ' || char === 'ς')) throw new CaseFoldUndecidable('a case-insensitive comparison with a Greek sigma');
  const edges: Edge[] = [];
  for (let at = 0; at < target.length; at++) {
    for (let length = 1; length <= 3 && at + length <= target.length; length++) {
      const set = preimage(target.slice(at, at + length).join(''));
      if (set.length > 0) edges.push({ from: at, set, to: at + length });
    }
  }
  if (target.length === 0) return { size: 1, start: 0, accept: 0, edges: [], epsilons: [] };
  return edges.length === 0 ? nothing() : { size: target.length + 1, start: 0, accept: target.length, edges, epsilons: [] };
}
