// Bash-safe text for $BASH_ENV, which bash sources before every later CircleCI step: each
// value single-quoted so that no character in it can run a command or end the assignment.

/** `'…'` with every `'` written as `'\''`: bash reads back exactly the value. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

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
