// A step summary as GitHub reads it: GFM (tables, autolink literals, strikethrough…) parsed
// by micromark, the reference CommonMark/GFM parser, into a syntax tree. GitHub then turns
// @mentions, #123 references and :emoji: into links or images in text, but never inside
// code (or links): `outsideCode` is the text where those filters would look.
import type { Nodes, Root } from 'mdast';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfmFromMarkdown } from 'mdast-util-gfm';
import { gfm } from 'micromark-extension-gfm';

export interface MarkdownFacts {
  /** Links of any kind (autolink literals, <…> autolinks, [text](url)), and images. */
  readonly links: string[];
  /** Raw HTML, inline or block. */
  readonly html: string[];
  /** The literal text of every code span. */
  readonly code: string[];
  /** Text not inside code: where links, mentions, references and emoji could form. */
  readonly outsideCode: string[];
  /** How many cells each table row has. */
  readonly rowCells: number[];
  readonly headings: string[];
}

export function parseGfm(markdown: string): Root {
  return fromMarkdown(markdown, { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] });
}

export function markdownFacts(markdown: string): MarkdownFacts {
  const facts = { links: [] as string[], html: [] as string[], code: [] as string[], outsideCode: [] as string[], rowCells: [] as number[], headings: [] as string[] };
  const text = (node: Nodes): string => ('value' in node ? node.value : 'children' in node ? node.children.map(text).join('') : '');
  const visit = (node: Nodes): void => {
    switch (node.type) {
      case 'link':
      case 'linkReference':
      case 'image':
      case 'imageReference':
      case 'definition':
        facts.links.push(text(node) || ('url' in node ? node.url : ''));
        break;
      case 'html':
        facts.html.push(node.value);
        break;
      case 'inlineCode':
      case 'code':
        facts.code.push(node.value);
        break;
      case 'text':
        facts.outsideCode.push(node.value);
        break;
      case 'tableRow':
        facts.rowCells.push(node.children.length);
        break;
      case 'heading':
        facts.headings.push(text(node));
        break;
    }
    if ('children' in node) node.children.forEach(visit);
  };
  visit(parseGfm(markdown));
  return facts;
}
