// A parsed CEL expression as the checker reads it: the shapes of cel-spec's Expr (which
// @bufbuild/cel's parser returns, read by the CLI), kept to what the checker looks at, with
// each node's source text for naming what it cannot decide. The core reads no package, so the
// CLI turns the parser's tree into this one (src/cli/trust/gcp-cel.ts).

export type CelConst = string | boolean | number | null | { readonly other: string };

export type CelNode =
  | { readonly kind: 'ident'; readonly name: string; readonly text: string }
  | { readonly kind: 'const'; readonly value: CelConst; readonly text: string }
  | { readonly kind: 'select'; readonly operand: CelNode; readonly field: string; readonly test: boolean; readonly text: string }
  | { readonly kind: 'call'; readonly fn: string; readonly target: CelNode | undefined; readonly args: readonly CelNode[]; readonly text: string }
  | { readonly kind: 'list'; readonly elements: readonly CelNode[]; readonly text: string }
  /** Maps, messages, comprehensions (macros such as exists()): outside what the checker reads. */
  | { readonly kind: 'other'; readonly text: string };

/** A parsed provider: its condition and each mapping expression, or why one does not parse. */
export type Parsed = { readonly node: CelNode } | { readonly error: string };
