// The AWS shared config and credentials files are INI: `[section]` headers, `key = value`
// lines. We replace or remove whole sections of our own and leave every other byte alone.

function isHeader(line: string): boolean {
  return /^\s*\[[^\]]*\]\s*(?:[#;].*)?$/.test(line);
}

/** The name in a line isHeader accepts: its one ] closes the name, and .* takes any comment to the end. */
function headerName(line: string): string {
  return line.trim().replace(/^\[\s*|\s*\](?:\s*[#;].*)?/g, '');
}

/** Splits the text into the lines before the section, the section's lines, and the rest. */
function locate(lines: string[], section: string): { start: number; end: number } | undefined {
  const start = lines.findIndex((line) => isHeader(line) && headerName(line) === section);
  if (start < 0) return undefined;
  const next = lines.findIndex((line, index) => index > start && isHeader(line));
  return { start, end: next === -1 ? lines.length : next };
}

function toLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

function fromLines(lines: string[]): string {
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/** The text with `[section]` holding exactly `entries` (replaced in place, or appended). */
export function upsertSection(text: string, section: string, entries: ReadonlyArray<readonly [string, string]>, comment?: string): string {
  const block = [`[${section}]`, ...(comment ? [`# ${comment}`] : []), ...entries.map(([key, value]) => `${key} = ${value}`)];
  return putSection(text, section, block);
}

/** The text with `[section]`'s lines (not the blank lines after it) replaced by `block`, or `block` appended after a blank line. */
function putSection(text: string, section: string, block: readonly string[]): string {
  const lines = toLines(text);
  const found = locate(lines, section);
  if (found) {
    const blankAfter = lines.slice(found.start, found.end).findLastIndex((line) => line.trim() !== '') + found.start + 1;
    lines.splice(found.start, blankAfter - found.start, ...block);
  } else {
    const last = lines.at(-1);
    if (last !== undefined && last.trim() !== '') lines.push('');
    lines.push(...block);
  }
  return fromLines(lines);
}

/** The text without `[section]`; unchanged if there is none. */
export function removeSection(text: string, section: string): string {
  const lines = toLines(text);
  const found = locate(lines, section);
  if (!found) return text;
  lines.splice(found.start, found.end - found.start);
  while (lines.at(-1)?.trim() === '') lines.pop();
  return fromLines(lines);
}

/** The section's text as it stands (its header, its lines, no blank lines after), or undefined when there is none. */
export function sectionText(text: string, section: string): string | undefined {
  const lines = toLines(text);
  const found = locate(lines, section);
  if (!found) return undefined;
  const own = lines.slice(found.start, found.end);
  return fromLines(own.slice(0, own.findLastIndex((line) => line.trim() !== '') + 1));
}

/** The text with `[section]` put back as `saved` (a sectionText), or removed when nothing was saved. */
export function restoreSection(text: string, section: string, saved: string | undefined): string {
  if (saved === undefined) return removeSection(text, section);
  return putSection(text, section, toLines(saved));
}
