// Which cloud `claimcheck trust-policy` writes for: --cloud aws (the default), gcp or azure.
import { UsageError } from '../args.js';

export const TRUST_CLOUDS = ['aws', 'gcp', 'azure'] as const;

/** The --cloud the trust-policy command was given (aws by default), and the other arguments. */
export function cloudArgument(argv: readonly string[]): { readonly cloud: string; readonly rest: readonly string[] } {
  const index = argv.findIndex((arg) => arg === '--cloud' || arg.startsWith('--cloud='));
  if (index < 0) return { cloud: 'aws', rest: argv };
  const arg = argv[index] as string;
  const cloud = arg === '--cloud' ? argv[index + 1] ?? '' : arg.slice('--cloud='.length);
  if (!(TRUST_CLOUDS as readonly string[]).includes(cloud)) throw new UsageError(`--cloud must be ${TRUST_CLOUDS.join(', ')}`);
  return { cloud, rest: argv.filter((_, at) => at !== index && (arg !== '--cloud' || at !== index + 1)) };
}
