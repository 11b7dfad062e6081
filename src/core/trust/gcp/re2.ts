// A rules file's regular expression (JavaScript syntax, u flag, matched whole by claimcheck)
// as RE2, the syntax of CEL's matches() at Google, with the same meaning. The two agree on
// most syntax; where they differ, the JavaScript meaning is written out: `.` (which in
// JavaScript also stops at \r, U+2028 and U+2029), `\s` (Unicode spaces in JavaScript, ASCII
// in RE2), `\u` escapes, named groups and Unicode property names. What has no RE2 form is
// refused with the reason.
import { CelCompileError } from './cel-error.js';

/** JavaScript's \s: the code points of WhiteSpace and LineTerminator. */
const JS_SPACE = '\\t\\n\\v\\f\\r \\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}\\x{feff}';
const JS_DOT = '[^\\n\\r\\x{2028}\\x{2029}]';
/** General categories RE2 knows by their short names. */
const CATEGORY = /^(L|Lu|Ll|Lt|Lm|Lo|M|Mn|Mc|Me|N|Nd|Nl|No|P|Pc|Pd|Ps|Pe|Pi|Pf|Po|S|Sm|Sc|Sk|So|Z|Zs|Zl|Zp|C|Cc|Cf|Co|Cs)$/;

function unsupported(source: string, what: string): CelCompileError {
  return new CelCompileError(`the regular expression ${JSON.stringify(source.length > 80 ? `${source.slice(0, 80)}…` : source)} uses ${what}, which RE2 (CEL's matches() at Google) cannot express the same way`);
}

const hex = (code: number) => `\\x{${code.toString(16)}}`;

export function re2FromJavaScript(source: string): string {
  const chars = Array.from(source);
  let out = '';
  let inClass = false;
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i] as string;
    if (char === '\\') {
      const [text, used] = escape(chars, i, inClass, source);
      out += text;
      i += used;
    } else if (inClass) {
      if (char === ']') inClass = false;
      // RE2 reads [:alpha:] inside a class; JavaScript reads those characters one by one.
      out += char === '[' ? '\\[' : char;
    } else if (char === '[') {
      inClass = true;
      out += char;
      if (chars[i + 1] === '^') out += chars[++i];
      // A leading ] is literal in RE2, and an empty class in JavaScript.
      if (chars[i + 1] === ']') throw unsupported(source, 'an empty class []');
    } else if (char === '.') {
      out += JS_DOT;
    } else if (char === '(' && chars[i + 1] === '?') {
      out += group(chars, i, source);
      i += chars[i + 2] === '<' ? 2 : 1;
    } else {
      out += char;
    }
  }
  return out;
}

/** `(?:` stays; `(?<name>` becomes `(?P<name>`; lookaround has no RE2 form. */
function group(chars: readonly string[], at: number, source: string): string {
  const next = chars[at + 2];
  if (next === ':') return '(?';
  if (next === '<' && chars[at + 3] !== '=' && chars[at + 3] !== '!') return '(?P<';
  throw unsupported(source, 'lookaround or inline flags');
}

/** One escape at `at`: its RE2 text, and how many characters after the backslash it used. */
function escape(chars: readonly string[], at: number, inClass: boolean, source: string): [string, number] {
  const next = chars[at + 1] ?? '';
  if ('dDwWbBtnrfv'.includes(next) && next !== '') return [`\\${next}`, 1];
  if (next === 's') return [inClass ? JS_SPACE : `[${JS_SPACE}]`, 1];
  if (next === 'S') {
    if (inClass) throw unsupported(source, '\\S inside a class');
    return [`[^${JS_SPACE}]`, 1];
  }
  if (next === '0') return ['\\x{0}', 1];
  if (next === 'c') return [hex((chars[at + 2] ?? '').charCodeAt(0) % 32), 2];
  if (next === 'x') return [hex(parseInt(chars.slice(at + 2, at + 4).join(''), 16)), 3];
  if (next === 'u') {
    if (chars[at + 2] === '{') {
      const end = chars.indexOf('}', at + 3);
      return [hex(parseInt(chars.slice(at + 3, end).join(''), 16)), end - at];
    }
    return [hex(parseInt(chars.slice(at + 2, at + 6).join(''), 16)), 5];
  }
  if (next === 'p' || next === 'P') {
    const end = chars.indexOf('}', at + 3);
    const written = chars.slice(at + 3, end).join('');
    const script = /^(?:Script|sc)=([A-Z][a-z]+(?:_[A-Z][a-z]+)*)$/.exec(written)?.[1];
    const name = script ?? written.replace(/^(?:General_Category|gc)=/, '');
    if (script === undefined && !CATEGORY.test(name)) throw unsupported(source, `the Unicode property ${written} (RE2 knows scripts, as Script=Greek, and general categories by their short names, as L or Lu)`);
    return [`\\${next}{${name}}`, end - at];
  }
  if (/^[1-9k]$/.test(next)) throw unsupported(source, 'a backreference');
  // An escaped syntax character (or / and -): punctuation, which RE2 also takes escaped.
  return [`\\${next}`, 1];
}
