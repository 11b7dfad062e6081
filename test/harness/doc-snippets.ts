// The code blocks a guide shows, as a reader copies them: parsed as GitHub parses Markdown,
// each block with the heading it stands under, so that tests run what the docs say and an
// edit that breaks a snippet fails a test.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Nodes } from 'mdast';
import { REPO_ROOT } from './github.ts';
import { parseGfm } from './markdown.ts';

export interface CodeBlock {
  /** The fence's language (yaml, sh, json…), '' when none. */
  readonly lang: string;
  readonly value: string;
  /** The text of every heading above it, outermost first. */
  readonly headings: readonly string[];
}

const textOf = (node: Nodes): string => ('value' in node ? node.value : 'children' in node ? node.children.map(textOf).join('') : '');

/** Every fenced block of a Markdown file of the repository, in order. */
export function codeBlocks(path: string): CodeBlock[] {
  const root = parseGfm(readFileSync(join(REPO_ROOT, path), 'utf8'));
  const headings: string[] = [];
  const blocks: CodeBlock[] = [];
  for (const node of root.children) {
    if (node.type === 'heading') {
      headings.length = node.depth - 1;
      headings[node.depth - 1] = textOf(node);
    }
    if (node.type === 'code') blocks.push({ lang: node.lang ?? '', value: node.value, headings: headings.filter(Boolean) });
  }
  return blocks;
}

/** The blocks of `lang` under the heading `heading` (at any depth), failing when there are none. */
export function blocksUnder(path: string, heading: string, lang: string): string[] {
  const found = codeBlocks(path).filter((block) => block.lang === lang && block.headings.includes(heading)).map((block) => block.value);
  if (found.length === 0) throw new Error(`${path} has no ${lang} block under "${heading}"`);
  return found;
}

/** A shell command written over several lines with `\` continuations, as one line. */
export function joinContinuations(text: string): string {
  return text.replace(/\\\n\s*/g, '');
}
