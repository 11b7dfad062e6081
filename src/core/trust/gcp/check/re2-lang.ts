// What CEL's matches() accepts, as a language: RE2 syntax, searched anywhere in the value
// unless anchored. A whitelist of RE2 syntax whose meaning is known is rewritten into the
// JavaScript syntax regex.ts builds automata from (every literal as a \u{…} escape, so no
// character means something else there); `^` and `$` are read here, at the ends of top-level
// alternatives only. Anything else (flags, \b, \A, \z, \p{…}, POSIX classes, a `{` that is
// not a repeat) is refused with its reason: the part of the condition that needs it is then
// something claimcheck cannot decide, never a guess.
import { fromNfa, or, type Lang } from '../../lang/lang.js';
import { anything, seq, TooComplex } from '../../lang/nfa.js';
import { regexToNfa, RegexNotRegular } from '../../lang/regex.js';

export type Re2Lang = { readonly lang: Lang } | { readonly unsupported: string };

class Unsupported extends Error {}

const u = (char: string) => `\\u{${(char.codePointAt(0) as number).toString(16)}}`;
/** RE2's \s: ASCII space, tab, newline, form feed, carriage return (not vertical tab). */
const RE2_SPACE = '\\u{9}\\u{a}\\u{c}\\u{d}\\u{20}';
const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { d: '\\d', D: '\\D', w: '\\w', W: '\\W', n: '\\u{a}', t: '\\u{9}', r: '\\u{d}', f: '\\u{c}', v: '\\u{b}', a: '\\u{7}' };
const PUNCTUATION = /^[!-/:-@[-`{-~]$/;
const MAX_REPEAT = 1000;

/** Top-level alternatives of the pattern, split on `|` outside groups and classes. */
function alternatives(chars: readonly string[]): string[][] {
  const parts: string[][] = [[]];
  let depth = 0;
  let inClass = false;
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i] as string;
    if (char === '\\') {
      (parts.at(-1) as string[]).push(char, chars[++i] ?? '');
      continue;
    }
    if (inClass) inClass = char !== ']';
    else if (char === '[') inClass = true;
    else if (char === '(') depth++;
    else if (char === ')') depth--;
    if (char === '|' && depth === 0 && !inClass) parts.push([]);
    else (parts.at(-1) as string[]).push(char);
  }
  return parts;
}

class Rewriter {
  private pos = 0;
  private out = '';
  /** Whether the last thing written can take a quantifier. */
  private quantifiable = false;


  private readonly chars: readonly string[];

  constructor(chars: readonly string[]) {
    this.chars = chars;
  }

  run(): string {
    while (this.pos < this.chars.length) this.step();
    return this.out;
  }

  private peek(offset = 0): string | undefined {
    return this.chars[this.pos + offset];
  }

  private emit(text: string, quantifiable: boolean): void {
    this.out += text;
    this.quantifiable = quantifiable;
  }

  private step(): void {
    const char = this.chars[this.pos++] as string;
    if (char === '\\') return this.emit(this.escape(false), true);
    if (char === '[') return this.emit(this.charClass(), true);
    if (char === '.') return this.emit('[^\\n]', true);
    if (char === '(') return this.group();
    if (char === ')' || char === '|') return this.emit(char, char === ')');
    if (char === '*' || char === '+' || char === '?') return this.quantifier(char);
    if (char === '{') return this.repeat();
    if (char === '^' || char === '$') throw new Unsupported(`${char} other than at the start or end of the pattern`);
    this.emit(u(char), true);
  }

  private group(): void {
    if (this.peek() === '?') {
      const rest = this.chars.slice(this.pos, this.pos + 3).join('');
      if (rest.startsWith('?:')) this.pos += 2;
      else if (rest.startsWith('?P<') || (rest.startsWith('?<') && rest !== '?<=' && rest !== '?<!')) {
        const close = this.chars.indexOf('>', this.pos);
        const name = this.chars.slice(this.pos + (rest.startsWith('?P') ? 3 : 2), close).join('');
        if (close < 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Unsupported('a malformed group name');
        this.pos = close + 1;
      } else {
        throw new Unsupported('inline flags or lookaround');
      }
    }
    this.emit('(?:', false);
  }

  private quantifier(char: string): void {
    if (!this.quantifiable) throw new Unsupported(`a ${char} with nothing to repeat`);
    let text = char;
    if (this.peek() === '?') text += this.chars[this.pos++];
    if (this.peek() === '*' || this.peek() === '+' || this.peek() === '?' || this.peek() === '{') throw new Unsupported('a repeated repetition');
    this.emit(text, false);
  }

  private repeat(): void {
    if (!this.quantifiable) throw new Unsupported('a {…} with nothing to repeat');
    const close = this.chars.indexOf('}', this.pos);
    const body = close < 0 ? '' : this.chars.slice(this.pos, close).join('');
    const match = /^(\d+)(,(\d*))?$/.exec(body);
    if (!match) throw new Unsupported('a { that is not a repeat');
    const [min, max] = [Number(match[1]), match[3] ? Number(match[3]) : Number(match[1])];
    if (min > MAX_REPEAT || max > MAX_REPEAT || max < min) throw new Unsupported('a repeat count RE2 refuses');
    this.pos = close + 1;
    let text = `{${body}}`;
    if (this.peek() === '?') text += this.chars[this.pos++];
    if (this.peek() === '*' || this.peek() === '+' || this.peek() === '?' || this.peek() === '{') throw new Unsupported('a repeated repetition');
    this.emit(text, false);
  }

  /** After a backslash: JavaScript text with RE2's meaning. */
  private escape(inClass: boolean): string {
    const char = this.chars[this.pos++];
    if (char === undefined) throw new Unsupported('a trailing backslash');
    const simple = SIMPLE_ESCAPES[char];
    if (simple !== undefined) return simple;
    if (char === 's') return inClass ? RE2_SPACE : `[${RE2_SPACE}]`;
    if (char === 'S' && !inClass) return `[^${RE2_SPACE}]`;
    if (char === 'x') return this.hexEscape();
    if (PUNCTUATION.test(char)) return u(char);
    throw new Unsupported(`the escape \\${char}`);
  }

  private hexEscape(): string {
    if (this.peek() === '{') {
      const close = this.chars.indexOf('}', this.pos);
      const digits = this.chars.slice(this.pos + 1, close).join('');
      if (close < 0 || !/^[0-9A-Fa-f]{1,6}$/.test(digits) || Number.parseInt(digits, 16) > 0x10ffff) throw new Unsupported('a malformed \\x{…}');
      this.pos = close + 1;
      return `\\u{${digits}}`;
    }
    const digits = this.chars.slice(this.pos, this.pos + 2).join('');
    if (!/^[0-9A-Fa-f]{2}$/.test(digits)) throw new Unsupported('a malformed \\x');
    this.pos += 2;
    return `\\u{${digits}}`;
  }

  private charClass(): string {
    let text = '[';
    if (this.peek() === '^') text += this.chars[this.pos++];
    if (this.peek() === ']') throw new Unsupported('a class starting with ]');
    let last: number | undefined;
    for (let first = true; ; first = false) {
      const char = this.chars[this.pos++];
      if (char === undefined) throw new Unsupported('an unclosed class');
      if (char === ']') return `${text}]`;
      if (char === '[') throw new Unsupported('[ inside a class (RE2 reads [:alpha:] there)');
      if (char === '-' && !first && this.peek() !== ']') {
        const high = this.classItem(this.chars[this.pos++]);
        const code = singleOf(high);
        if (last === undefined || code === undefined || code < last) throw new Unsupported('a class range that is not from one character up to another');
        text += `-${high}`;
        last = undefined;
        continue;
      }
      const item = this.classItem(char);
      last = singleOf(item);
      text += item;
    }
  }

  private classItem(char: string | undefined): string {
    if (char === undefined || char === '[' || char === ']') throw new Unsupported('a malformed class range');
    return char === '\\' ? this.escape(true) : u(char);
  }
}

/** The code point of a one-character item (\u{…}), else undefined. */
function singleOf(item: string): number | undefined {
  const match = /^\\u\{([0-9a-fA-F]+)\}$/.exec(item);
  return match ? Number.parseInt(match[1] as string, 16) : undefined;
}

/** Whether the text ends with a `$` that is not escaped. */
function endsAnchored(chars: readonly string[]): boolean {
  let slashes = 0;
  while (chars[chars.length - 2 - slashes] === '\\') slashes++;
  return chars.at(-1) === '$' && slashes % 2 === 0;
}

/** How long the group opener at the start is: `(`, `(?:`, `(?P<name>`, `(?<name>`; undefined for anything else. */
function openerLength(chars: readonly string[]): number | undefined {
  if (chars[0] !== '(') return undefined;
  if (chars[1] !== '?') return 1;
  if (chars[2] === ':') return 3;
  const named = /^\(\?P?<[A-Za-z_][A-Za-z0-9_]*>/.exec(chars.slice(0, 40).join(''));
  return named ? Array.from(named[0]).length : undefined;
}

/** Where the group opened at 0 closes (escapes and classes skipped), or -1. */
function groupEnd(chars: readonly string[]): number {
  let depth = 0;
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i];
    if (char === '\\') i++;
    else if (char === '[') {
      i += chars[i + 1] === '^' ? 2 : 1;
      while (i < chars.length && (chars[i] !== ']' || chars[i - 1] === '[' || (chars[i - 1] === '^' && chars[i - 2] === '['))) i += chars[i] === '\\' ? 2 : 1;
    } else if (char === '(') depth++;
    else if (char === ')' && --depth === 0) return i;
  }
  return -1;
}

/**
 * Anchors that say nothing more: in `^(?:^a|b$)$`, the inner ones (the position is already
 * the start or the end of the value). Claimcheck's own compiler writes such patterns.
 */
function withoutInnerAnchors(chars: readonly string[], start: boolean, end: boolean): readonly string[] {
  const open = openerLength(chars);
  if ((!start && !end) || open === undefined || groupEnd(chars) !== chars.length - 1) return chars;
  const inner = alternatives(chars.slice(open, -1)).map((alternative) => {
    let body: readonly string[] = alternative;
    if (start && body[0] === '^') body = body.slice(1);
    if (end && endsAnchored(body)) body = body.slice(0, -1);
    return withoutInnerAnchors(body, start, end);
  });
  return ['(', '?', ':', ...inner.flatMap((alternative, index) => (index === 0 ? alternative : ['|', ...alternative])), ')'];
}

/** One top-level alternative: its anchors, and its body as JavaScript regex syntax. */
function alternativeLang(chars: readonly string[]): Lang {
  let body: readonly string[] = chars;
  const start = body[0] === '^';
  if (start) body = body.slice(1);
  const end = endsAnchored(body);
  if (end) body = body.slice(0, -1);
  const nfa = regexToNfa(new Rewriter(withoutInnerAnchors(body, start, end)).run());
  return fromNfa(seq(...(start ? [] : [anything()]), nfa, ...(end ? [] : [anything()])));
}

/** The values `value.matches(pattern)` is true for, or why claimcheck cannot say. */
export function re2Lang(pattern: string): Re2Lang {
  try {
    // RE2 refuses a group name used twice anywhere in the pattern (an escaped "(" may be counted too: refused, never misread).
    const names = [...pattern.matchAll(/\(\?P?<([^>]*)>/g)].map((match) => match[1]);
    if (new Set(names).size < names.length) throw new Unsupported('a group name used twice');
    const langs = alternatives(Array.from(pattern)).map(alternativeLang);
    return { lang: or(...langs) };
  } catch (error) {
    if (error instanceof Unsupported || error instanceof RegexNotRegular || error instanceof TooComplex) return { unsupported: `the pattern ${JSON.stringify(pattern)} uses ${error.message}, which claimcheck does not read` };
    throw error;
  }
}
