// Languages the platforms' grammars share: git ref names, numeric ids, UUIDs, free text.
import { ANY, charsOf, fromRanges, minus, union, type CharSet } from '../lang/charset.js';
import { fromNfa, type Lang } from '../lang/lang.js';
import { alt, literal, seq, type Edge, type Nfa } from '../lang/nfa.js';
import { regexToNfa } from '../lang/regex.js';

/** A language from a regular expression (whole value). */
export function re(source: string): Lang {
  return fromNfa(regexToNfa(source));
}

/** Characters git allows in a ref name: no controls, space, ~ ^ : ? * [ \ (check-ref-format); `/` separates. */
const REF_CHAR: CharSet = minus(ANY, union(fromRanges([[0, 0x20], [0x7f, 0x7f]]), charsOf('~^:?*[\\/')));

/**
 * A branch or tag name as git allows it (what follows refs/heads/ or refs/tags/): components
 * split by `/`, none empty or starting with `.`; no `..` and no `@{`; not ending in `.` or `/`.
 */
function refNameNfa(): Nfa {
  // 0: a component starts; 1: after an ordinary character; 2: after "."; 3: after "@"; 4: accept.
  const plain = minus(REF_CHAR, charsOf('.@'));
  const edges: Edge[] = [
    { from: 0, set: plain, to: 1 }, { from: 0, set: charsOf('@'), to: 3 },
    { from: 1, set: plain, to: 1 }, { from: 1, set: charsOf('.'), to: 2 }, { from: 1, set: charsOf('@'), to: 3 }, { from: 1, set: charsOf('/'), to: 0 },
    { from: 2, set: plain, to: 1 }, { from: 2, set: charsOf('@'), to: 3 }, { from: 2, set: charsOf('/'), to: 0 },
    { from: 3, set: minus(plain, charsOf('{')), to: 1 }, { from: 3, set: charsOf('.'), to: 2 }, { from: 3, set: charsOf('@'), to: 3 }, { from: 3, set: charsOf('/'), to: 0 },
  ];
  return { size: 5, start: 0, accept: 4, edges, epsilons: [[1, 4], [3, 4]] };
}

export const REF_NAME_NFA = refNameNfa();
export const REF_NAME: Lang = fromNfa(REF_NAME_NFA);

/** `refs/heads/<name>` or `refs/tags/<name>`. */
export function branchOrTagRef(): Lang {
  return fromNfa(alt(seq(literal('refs/heads/'), REF_NAME_NFA), seq(literal('refs/tags/'), REF_NAME_NFA)));
}

/** refs/heads/<name>, refs/tags/<name> or refs/pull/<n>/merge, as the kinds asked for. */
export function gitRef(kinds: ReadonlyArray<'heads' | 'tags' | 'pull'>): Lang {
  const options = kinds.map((kind) => (kind === 'pull' ? seq(literal('refs/pull/'), regexToNfa('[1-9][0-9]*'), literal('/merge')) : seq(literal(`refs/${kind}/`), REF_NAME_NFA)));
  return fromNfa(alt(...options));
}

/** A positive decimal number without leading zeros. */
export const NUMERIC_ID: Lang = re('[1-9][0-9]*');
export const UUID: Lang = re('[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}');
/** Text without control characters (names people give: workflows, environments). */
export const TEXT: Lang = re('[^\\x00-\\x1f\\x7f]+');
export const TEXT_OR_EMPTY: Lang = re('[^\\x00-\\x1f\\x7f]*');
/** Any text at all (a subject of unknown form). */
export const ANY_NONEMPTY: Lang = fromNfa(seq(regexToNfa('[^]'), regexToNfa('[^]*')));

const EXACT = new Map<string, Lang>();

/** Exactly this text (the issuer, the audience); one language per text, so its automata are cached. */
export function exactly(text: string): Lang {
  let lang = EXACT.get(text);
  if (!lang) {
    if (EXACT.size > 10_000) EXACT.clear();
    EXACT.set(text, (lang = fromNfa(literal(text))));
  }
  return lang;
}
