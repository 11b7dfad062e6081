// Text from a token (claim names and values, and anything else a job controls) is shown to
// readers that act on what they read: the GitHub runner runs workflow commands found in a
// log line, terminals and log viewers obey control and escape sequences, readers that split
// on U+2028/U+2029/U+0085 break a record in two, and Markdown makes links, mentions and
// HTML. Each function here makes text inert for one such reader and keeps it readable: what
// it cannot show as is, it shows as a visible escape (\n, \u001b, \u202e).
//
// The runner (actions/runner, ActionCommand.TryParseV2 and TryParse) reads a line as a
// command when, after leading whitespace, it starts with `::name…::`, or when `##[name…]`
// appears anywhere in it; it splits lines at CR, LF and CR LF (not at U+2028 or U+0085).
// It reads the name from three characters after where `##[` (or two after where `::`)
// matched, so a match its culture-aware search finds across ignored characters (`#\u00ad#[`)
// starts the name inside the match and names no command: only a literal `##[`, or `::` at
// the start, works, and those are what we break.

/**
 * Characters no reader gets raw: C0 and C1 controls (ESC, the one-character CSI U+009B, CR,
 * LF, NEL U+0085), DEL, format characters (bidi overrides and isolates, zero-width
 * characters, soft hyphen, BOM), the line and paragraph separators, lone surrogates.
 */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]|\p{Cs}/gu;

const SHORT: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** `\uXXXX` for each UTF-16 unit: valid in JSON and in JavaScript, and plain to read. */
function unicodeEscape(char: string): string {
  let escaped = '';
  for (let i = 0; i < char.length; i++) escaped += `\\u${char.charCodeAt(i).toString(16).padStart(4, '0')}`;
  return escaped;
}

/** The text with every unsafe character shown as an escape; nothing else changes. */
export function visible(text: string): string {
  return text.replace(UNSAFE, (char) => SHORT[char] ?? unicodeEscape(char));
}

/** `##[` becomes `##\u005b`: the runner's legacy command syntax no longer matches. */
function breakLegacyCommands(text: string): string {
  return text.replaceAll('##[', '##\\u005b');
}

/**
 * One log line that no reader acts on: no line break, control or format character, no `##[`,
 * and no `::` at its start (after whitespace, which the runner skips). Applying it twice
 * changes nothing more.
 */
export function inertLine(text: string): string {
  return breakLegacyCommands(visible(text)).replace(/^(\s*):(?=:)/u, '$1\\u003a');
}

/** Text whose own line breaks (LF) are kept, each of its lines made inert. */
export function inertLines(text: string): string {
  return text.split('\n').map(inertLine).join('\n');
}

/**
 * JSON text as JSON.stringify writes it, made inert and still the same JSON: the characters
 * it leaves raw (C1 controls, DEL, format characters, U+2028/U+2029) become \u escapes, and
 * so does the `[` of a `##[`. Outside strings JSON.stringify writes only ASCII punctuation,
 * digits and literals, and never `#`, so every one of these is inside a string.
 */
export function inertJson(json: string): string {
  return breakLegacyCommands(json.replace(UNSAFE, unicodeEscape));
}

/** A value as indented JSON (JSON.stringify's two spaces), each line inert and the whole still the same JSON. */
export function inertJsonDocument(value: unknown): string {
  return (JSON.stringify(value, null, 2) ?? 'null').split('\n').map(inertJson).join('\n');
}

/** A value as an inert JSON string literal: `"refs/heads/x\u001b[2J"`; JSON.parse gives it back. */
export function quoted(value: string): string {
  return inertJson(JSON.stringify(value));
}

/**
 * A value as a Markdown code span, shown literally by GitHub: no autolink (`www.…`,
 * `x@y.z`), mention, issue reference, emoji shortcode, HTML or emphasis is made inside one.
 * The fence is one backtick longer than any run of backticks in the value; a space pads
 * each side when the value starts or ends with a backtick or a space (CommonMark strips
 * exactly that padding). In a table row `|` still splits cells inside code, so it is
 * escaped there as `\|` (which GFM turns back into `|`); after a backslash it is shown as
 * `\u007c` instead, since parsers disagree on `\\|` (cmark-gfm escapes the pipe, micromark
 * the backslash). Line breaks and controls are shown as escapes, so the span stays on its line.
 */
export function markdownCode(value: string, where: 'table' | 'text'): string {
  if (value === '') return '';
  let content = visible(value);
  if (where === 'table') content = content.replaceAll('\\|', '\\\\u007c').replaceAll('|', '\\|');
  const longestRun = Math.max(0, ...(content.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longestRun + 1);
  const pad = /^[` ]|[` ]$/.test(content) && /[^ ]/.test(content) ? ' ' : '';
  return `${fence}${pad}${content}${pad}${fence}`;
}
