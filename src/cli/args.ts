// Command-line flags: `--name value`, `--name=value`, `--flag` for booleans (or `--flag
// true|false`), repeatable lists. Anything else is a UsageError: one line, exit code 2.
import { parseBoolean } from '../core/config/input-values.js';

export type FlagKind = 'string' | 'boolean' | 'list';

export interface FlagSpec {
  readonly kind: FlagKind;
  readonly description: string;
  /** Shown in help as the value's placeholder. */
  readonly value?: string;
}

export type Flags = Readonly<Record<string, FlagSpec>>;

export interface ParsedFlags {
  readonly strings: ReadonlyMap<string, string>;
  readonly booleans: ReadonlySet<string>;
  readonly lists: ReadonlyMap<string, readonly string[]>;
}

export class UsageError extends Error {}

export function parseFlags(argv: readonly string[], flags: Flags): ParsedFlags {
  const strings = new Map<string, string>();
  const booleans = new Set<string>();
  const lists = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--') || arg === '--') throw new UsageError(`unexpected argument ${JSON.stringify(arg)}`);
    const equals = arg.indexOf('=');
    const name = arg.slice(2, equals < 0 ? undefined : equals);
    const spec = flags[name];
    if (!spec) throw new UsageError(`unknown option --${name}`);
    if (spec.kind === 'boolean') {
      // `--flag`, or with a value as the inputs take one: `--flag=false`, `--flag true`.
      const next = argv[i + 1];
      let given = 'true';
      if (equals >= 0) given = arg.slice(equals + 1);
      else if (next !== undefined && parseBoolean(next) !== undefined) [given, i] = [next, i + 1];
      const value = parseBoolean(given);
      if (value === undefined) throw new UsageError(`--${name} takes true or false, or no value`);
      if (value) booleans.add(name);
      else booleans.delete(name);
      continue;
    }
    let value: string;
    if (equals >= 0) {
      value = arg.slice(equals + 1);
    } else {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) throw new UsageError(`--${name} needs a value`);
      value = next;
      i++;
    }
    if (spec.kind === 'list') lists.set(name, [...(lists.get(name) ?? []), value]);
    else if (strings.has(name)) throw new UsageError(`--${name} is given twice`);
    else strings.set(name, value);
  }
  return { strings, booleans, lists };
}

/** The options section of a command's help. */
export function describeFlags(flags: Flags): string {
  const rows = Object.entries(flags).map(([name, spec]) => {
    const value = spec.kind === 'boolean' ? '' : ` <${spec.value ?? 'value'}>`;
    return [`  --${name}${value}${spec.kind === 'list' ? ' …' : ''}`, spec.description] as const;
  });
  const width = Math.min(40, Math.max(...rows.map(([left]) => left.length)) + 2);
  return rows.map(([left, right]) => (left.length + 2 > width ? `${left}\n${' '.repeat(width)}${right}` : `${left.padEnd(width)}${right}`)).join('\n');
}
