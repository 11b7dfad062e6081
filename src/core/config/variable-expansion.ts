// `$NAME` and `${NAME}` in a parameter's text, replaced by variables of the job's environment:
// CircleCI passes `environment:` values literally, and its users keep role ARNs and regions
// in contexts. A small strict grammar, never a shell: `$$` is a literal `$`, a NAME is
// letters, digits and `_` not starting with a digit, and any other `$` is an error, as is a
// variable that is unset or empty. One pass: a value's own `$` is not expanded again.

export type ExpansionProblem =
  | { readonly kind: 'syntax'; readonly at: number }
  | { readonly kind: 'unset' | 'empty' | 'refused'; readonly variable: string };

export class ExpansionError extends Error {
  readonly problem: ExpansionProblem;

  constructor(problem: ExpansionProblem) {
    // Stryker disable next-line all: text for a programmer only; callers read problem and write their own message
    super(problem.kind === 'syntax' ? `a $ at character ${problem.at + 1} starts no variable` : `${problem.variable} is ${problem.kind}`);
    this.problem = problem;
  }
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
const BRACED = /^\{([A-Za-z_][A-Za-z0-9_]*)\}/;

export interface ExpansionSource {
  /** The variable's value; undefined when unset. */
  readonly lookup: (name: string) => string | undefined;
  /** Variables never expanded (secrets that would end up in logs). */
  readonly refused?: (name: string) => boolean;
}

/** The text with each variable replaced; throws ExpansionError naming the first problem. */
export function expandVariables(text: string, source: ExpansionSource): string {
  let result = '';
  let index = 0;
  // Ends when no $ is left, which includes the end of the text.
  for (;;) {
    const dollar = text.indexOf('$', index);
    if (dollar < 0) return result + text.slice(index);
    result += text.slice(index, dollar);
    const rest = text.slice(dollar + 1);
    if (rest.startsWith('$')) {
      result += '$';
      index = dollar + 2;
      continue;
    }
    const match = BRACED.exec(rest) ?? NAME.exec(rest);
    if (!match) throw new ExpansionError({ kind: 'syntax', at: dollar });
    const variable = match[1] ?? match[0];
    result += valueOf(variable, source);
    index = dollar + 1 + match[0].length;
  }
}

function valueOf(variable: string, source: ExpansionSource): string {
  if (source.refused?.(variable)) throw new ExpansionError({ kind: 'refused', variable });
  const value = source.lookup(variable);
  if (value === undefined) throw new ExpansionError({ kind: 'unset', variable });
  if (value === '') throw new ExpansionError({ kind: 'empty', variable });
  return value;
}
