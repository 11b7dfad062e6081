// Bash-safe text for $BASH_ENV, which bash sources before every later CircleCI step: each
// value single-quoted so that no character in it can run a command or end the assignment.

/** `'…'` with every `'` written as `'\''`: bash reads back exactly the value. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

export const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `export NAME='value'` lines, one per variable; names are checked, values quoted. */
export function exportLines(variables: ReadonlyArray<readonly [string, string]>): string {
  return variables
    .map(([name, value]) => {
      if (!VARIABLE_NAME.test(name)) throw new Error(`not a shell variable name: ${name}`);
      return `export ${name}=${shellQuote(value)}\n`;
    })
    .join('');
}

export function unsetLine(names: readonly string[]): string {
  for (const name of names) if (!VARIABLE_NAME.test(name)) throw new Error(`not a shell variable name: ${name}`);
  return `unset ${names.join(' ')}\n`;
}

/**
 * `text` without the first run of `count` whole lines that `matches` recognises (each line
 * with its `\n`), or undefined when no run does: how the orb's cleanup finds the lines it
 * appended to $BASH_ENV, by the digest it recorded, wherever later lines put them.
 */
export function withoutLineRun(text: string, count: number, matches: (run: string) => boolean): string | undefined {
  const starts = [0];
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) starts.push(at + 1);
  for (let first = 0; first + count < starts.length; first++) {
    const [from, to] = [starts[first] as number, starts[first + count] as number];
    if (matches(text.slice(from, to))) return text.slice(0, from) + text.slice(to);
  }
  return undefined;
}
