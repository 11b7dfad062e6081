// A rules file's regular expression (JavaScript syntax, u flag, whole-value match, already
// accepted by linear-regex.ts) as an automaton, for deciding trust verdicts. What has no
// automaton here (\b, \B, \p{…}, ^ or $ other than at the ends) is refused with the reason, and
// the verdict that needed it says it cannot decide, never that it holds.
import { charsOf, complement, fromRanges, range, union, type CharSet } from './charset.js';
import { alt, charIn, repeat, seq, type Nfa } from './nfa.js';

export class RegexNotRegular extends Error {}

const DIGIT: CharSet = range('0', '9');
const WORD: CharSet = union(range('a', 'z'), range('A', 'Z'), DIGIT, charsOf('_'));
const SPACE: CharSet = union(charsOf('\t\n\v\f\r \u00a0\u1680\u2028\u2029\u202f\u205f\u3000\ufeff'), range('\u2000', '\u200a'));
const LINE_TERMINATORS: CharSet = charsOf('\n\r\u2028\u2029');
const CLASS_ESCAPES: Readonly<Record<string, CharSet>> = { d: DIGIT, D: complement(DIGIT), w: WORD, W: complement(WORD), s: SPACE, S: complement(SPACE) };
const CONTROL_ESCAPES: Readonly<Record<string, string>> = { f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '0': '\0' };

/** The language of a whole-value match of the pattern. */
export function regexToNfa(source: string): Nfa {
  const parser = new RegexParser(Array.from(source));
  const nfa = parser.pattern();
  if (parser.pos < parser.chars.length) throw new RegexNotRegular(`unexpected ${parser.chars[parser.pos]}`);
  return nfa;
}

class RegexParser {
  pos = 0;
  readonly chars: readonly string[];

  constructor(chars: readonly string[]) {
    this.chars = chars;
  }

  private peek(offset = 0): string | undefined {
    return this.chars[this.pos + offset];
  }

  /** The top level: `^` may open and `$` close each alternative (a whole-value match has them anyway). */
  pattern(): Nfa {
    const options = [this.alternative(true)];
    while (this.peek() === '|') {
      this.pos++;
      options.push(this.alternative(true));
    }
    return alt(...options);
  }

  private disjunction(): Nfa {
    const options = [this.alternative(false)];
    while (this.peek() === '|') {
      this.pos++;
      options.push(this.alternative(false));
    }
    return alt(...options);
  }

  private alternative(top: boolean): Nfa {
    const items: Nfa[] = [];
    if (top && this.peek() === '^') this.pos++;
    while (this.pos < this.chars.length && this.peek() !== '|' && this.peek() !== ')') {
      if (top && this.peek() === '$' && (this.peek(1) === undefined || this.peek(1) === '|')) {
        this.pos++;
        break;
      }
      items.push(this.term());
    }
    return seq(...items);
  }

  private term(): Nfa {
    const char = this.peek();
    if (char === '^' || char === '$') throw new RegexNotRegular(`${char} inside the pattern (only at its ends)`);
    if (char === '\\' && (this.peek(1) === 'b' || this.peek(1) === 'B')) throw new RegexNotRegular(`the word boundary \\${this.peek(1)}`);
    return this.quantified(this.atom());
  }

  private atom(): Nfa {
    const char = this.peek() as string;
    if (char === '(') return this.group();
    if (char === '[') return charIn(this.charClass());
    this.pos++;
    if (char === '.') return charIn(complement(LINE_TERMINATORS));
    if (char === '\\') return charIn(this.escape(false));
    return charIn(charsOf(char));
  }

  private group(): Nfa {
    this.pos++;
    if (this.peek() === '?') {
      if (this.peek(1) === ':') this.pos += 2;
      else if (this.peek(1) === '<' && this.peek(2) !== '=' && this.peek(2) !== '!') this.pos = this.chars.indexOf('>', this.pos) + 1;
      else throw new RegexNotRegular('lookaround or inline flags');
    }
    const inner = this.disjunction();
    if (this.peek() !== ')') throw new RegexNotRegular('an unclosed group');
    this.pos++;
    return inner;
  }

  private quantified(item: Nfa): Nfa {
    const char = this.peek();
    let bounds: [number, number] | undefined;
    if (char === '*') bounds = [0, Infinity];
    else if (char === '+') bounds = [1, Infinity];
    else if (char === '?') bounds = [0, 1];
    if (bounds) this.pos++;
    else if (char === '{') bounds = this.counted();
    if (!bounds) return item;
    if (this.peek() === '?') this.pos++; // lazy: the same whole values match
    return repeat(item, bounds[0], bounds[1]);
  }

  private counted(): [number, number] | undefined {
    const close = this.chars.indexOf('}', this.pos);
    const body = this.chars.slice(this.pos + 1, close).join('');
    const match = /^(\d+)(,(\d*))?$/.exec(body);
    if (close < 0 || !match) return undefined;
    this.pos = close + 1;
    const min = Number(match[1]);
    return [min, match[2] === undefined ? min : match[3] === '' ? Infinity : Number(match[3])];
  }

  private charClass(): CharSet {
    this.pos++;
    const negated = this.peek() === '^';
    if (negated) this.pos++;
    const parts: CharSet[] = [];
    while (this.peek() !== ']') {
      if (this.peek() === undefined) throw new RegexNotRegular('an unclosed class');
      const low = this.classAtom();
      if (this.peek() === '-' && this.peek(1) !== ']' && this.peek(1) !== undefined) {
        this.pos++;
        const high = this.classAtom();
        if (low.length !== 2 || low[0] !== low[1] || high.length !== 2 || high[0] !== high[1]) throw new RegexNotRegular('a range between classes');
        parts.push(fromRanges([[low[0] as number, high[0] as number]]));
      } else {
        parts.push(low);
      }
    }
    this.pos++;
    const set = union(...parts);
    return negated ? complement(set) : set;
  }

  private classAtom(): CharSet {
    const char = this.peek() as string;
    this.pos++;
    if (char !== '\\') return charsOf(char);
    if (this.peek() === 'b') {
      this.pos++;
      return charsOf('\b');
    }
    return this.escape(true);
  }

  /** After a backslash: a class escape, a control or code escape, or an escaped character. */
  private escape(inClass: boolean): CharSet {
    const kind = this.peek() as string;
    this.pos++;
    const named = CLASS_ESCAPES[kind];
    if (named) return named;
    if (kind === 'p' || kind === 'P') throw new RegexNotRegular('Unicode property escapes (\\p{…})');
    if (/[1-9]/.test(kind) || kind === 'k') throw new RegexNotRegular('backreferences');
    const control = CONTROL_ESCAPES[kind];
    if (control !== undefined) return charsOf(control);
    if (kind === 'c') return charsOf(String.fromCharCode((this.chars[this.pos++] as string).charCodeAt(0) % 32));
    if (kind === 'x') return charsOf(String.fromCharCode(this.hex(2)));
    if (kind === 'u') return charsOf(String.fromCodePoint(this.unicodeEscape()));
    if (kind === '-' && !inClass) throw new RegexNotRegular('\\- outside a class');
    return charsOf(kind);
  }

  private hex(count: number): number {
    const text = this.chars.slice(this.pos, this.pos + count).join('');
    this.pos += count;
    return Number.parseInt(text, 16);
  }

  /** \uXXXX (a surrogate pair of two such escapes is one character) or \u{…}. */
  private unicodeEscape(): number {
    if (this.peek() === '{') {
      const close = this.chars.indexOf('}', this.pos);
      const code = Number.parseInt(this.chars.slice(this.pos + 1, close).join(''), 16);
      this.pos = close + 1;
      return code;
    }
    const unit = this.hex(4);
    if (unit >= 0xd800 && unit <= 0xdbff && this.peek() === '\\' && this.peek(1) === 'u') {
      const saved = this.pos;
      this.pos += 2;
      const trail = this.hex(4);
      if (trail >= 0xdc00 && trail <= 0xdfff) return (unit - 0xd800) * 0x400 + (trail - 0xdc00) + 0x10000;
      this.pos = saved;
    }
    return unit;
  }
}
