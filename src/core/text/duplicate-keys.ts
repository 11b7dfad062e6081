// Keys that appear twice in one map of a rules file. JSON.parse keeps the last silently, and
// another reader of the same file may keep the first: a rule would then mean two things.
// The scanner walks JSON text that JSON.parse has already accepted, without recursion.

export interface DuplicateKey {
  /** Where the map is, as rules-file errors write it (`roles[0].claims`); '' at the top. */
  readonly path: string;
  readonly key: string;
}

/** `roles[0].claims: the key ref appears twice`, for a rules-file error. */
export function describeDuplicateKey({ path, key }: DuplicateKey): string {
  const shown = /^[\w.:/-]+$/.test(key) ? key : JSON.stringify(key);
  return `${path === '' ? 'top level' : path}: the key ${shown} appears twice`;
}

export function childPath(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

interface Frame {
  readonly path: string;
  /** The keys seen so far, for a map; undefined for a list. */
  readonly keys: Set<string> | undefined;
  /** For a map: the next string is a key (read only where `keys` is set). */
  expectsKey: boolean;
  key: string;
  index: number;
}

/** The first key repeated within one object of `text`, which must be valid JSON. */
export function duplicateJsonKey(text: string): DuplicateKey | undefined {
  const frames: Frame[] = [];
  const valuePath = (): string => {
    const parent = frames.at(-1);
    if (!parent) return '';
    return parent.keys ? childPath(parent.path, parent.key) : `${parent.path}[${parent.index}]`;
  };
  // Stryker disable next-line EqualityOperator: equivalent: text[text.length] is undefined, which no branch takes
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    const frame = frames.at(-1);
    if (char === '{' || char === '[') {
      frames.push({ path: valuePath(), keys: char === '{' ? new Set() : undefined, expectsKey: true, key: '', index: 0 });
    } else if (char === '}' || char === ']') {
      frames.pop();
    } else if (char === ',' && frame) {
      frame.expectsKey = true;
      frame.index++;
    } else if (char === '"') {
      const end = stringEnd(text, i);
      if (frame?.keys && frame.expectsKey) {
        const key = JSON.parse(text.slice(i, end)) as string;
        if (frame.keys.has(key)) return { path: frame.path, key };
        frame.keys.add(key);
        frame.key = key;
        frame.expectsKey = false;
      }
      i = end - 1;
    }
  }
  return undefined;
}

/** The index just past the string literal that starts at `start`. */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
  return i + 1;
}
