// Which role a token gets: the role-to-assume input, or the first entry of the rules
// file's role map whose claim rules all hold. No match is an error that says, entry by
// entry, which rule stopped it.
import type { RoleArn } from './arn.js';
import type { ChainHop } from './chain.js';
import { ClaimcheckError } from '../errors.js';
import type { RoleEntry } from '../rules/rules-file.js';
import { checkClaimRules, presentedFor, type RuleResult } from '../rules/rules.js';

/** What one STS call asks for. */
export interface RoleTarget {
  readonly roleArn: RoleArn;
  readonly durationSeconds: number;
  /** Narrows the session handed over: this role's, or the last hop's when there is a chain. */
  readonly inlineSessionPolicy: string | undefined;
  /** Roles assumed after this one, in order: the entry's chain, else the role-chain input's. */
  readonly chain: readonly ChainHop[];
  /** The role map entry that chose the role, if a map did. */
  readonly entry: string | undefined;
  /** The entry's rules and how they fared. */
  readonly rules: readonly RuleResult[];
}

export interface RoleDefaults {
  readonly roleArn: RoleArn | undefined;
  readonly roleMap: readonly RoleEntry[];
  readonly durationSeconds: number;
  readonly inlineSessionPolicy: string | undefined;
  /** The role-chain input's hops; none when absent. */
  readonly roleChain?: readonly ChainHop[];
}

function whyNot(entry: RoleEntry, failed: RuleResult): string {
  return `${entry.name}: ${presentedFor(failed)}, rule ${failed.rule.source}`;
}

export function chooseRole(defaults: RoleDefaults, claims: Readonly<Record<string, unknown>>): RoleTarget {
  if (defaults.roleArn) {
    return { roleArn: defaults.roleArn, durationSeconds: defaults.durationSeconds, inlineSessionPolicy: defaults.inlineSessionPolicy, chain: defaults.roleChain ?? [], entry: undefined, rules: [] };
  }
  const tried: string[] = [];
  for (const entry of defaults.roleMap) {
    const results = checkClaimRules(entry.rules, claims);
    const failed = results.find((result) => !result.held);
    if (failed === undefined) {
      return {
        roleArn: entry.roleArn,
        durationSeconds: entry.durationSeconds ?? defaults.durationSeconds,
        inlineSessionPolicy: entry.sessionPolicy ?? defaults.inlineSessionPolicy,
        chain: entry.chain ?? defaults.roleChain ?? [],
        entry: entry.name,
        rules: results,
      };
    }
    tried.push(whyNot(entry, failed));
  }
  throw new ClaimcheckError(
    'ROLE_NO_MATCH',
    `No entry of the role map matches this token: ${tried.join('; ')}.`,
    'Entries are tried in order and the first whose claims all hold decides; add an entry for this case, or run the job where one matches.',
  );
}
