// The rules a CLI command reads: `--claims` lines and a `--rules-file`, the same parsers and
// checks as the Action's inputs; and a trust policy file for --check and --trust-policy.
import { ClaimcheckError } from '../core/errors.js';
import { parseTrustPolicyText, type PolicyDocument } from '../core/trust/aws/iam/policy.js';
import { parseClaimRules, RuleSyntaxError, type ClaimRule } from '../core/rules/rules.js';
import type { RulesDocument } from '../core/rules/rules-file.js';
import { loadRulesFile, type InputSource } from '../core/config/settings.js';
import { preloadRulesFile } from '../files/rules-file.js';
import { readRegular } from '../files/regular-file.js';
import { UsageError, type ParsedFlags } from './args.js';

export interface CliRules {
  /** The --claims rules and the rules file's top-level rules: every token must meet them. */
  readonly rules: readonly ClaimRule[];
  readonly document: RulesDocument | undefined;
}

export async function readCliRules(flags: ParsedFlags): Promise<CliRules> {
  let rules: ClaimRule[];
  try {
    rules = parseClaimRules(flags.strings.get('claims') ?? '');
  } catch (error) {
    if (error instanceof RuleSyntaxError) throw new UsageError(`--claims: ${error.message}`);
    throw error;
  }
  const path = flags.strings.get('rules-file');
  if (!path) return { rules, document: undefined };
  const source: InputSource = (name) => (name === 'rules-file' ? path : undefined);
  const document = loadRulesFile(path, { readRulesFile: await preloadRulesFile(source) });
  return { rules: [...rules, ...document.rules], document };
}

const MAX_POLICY_BYTES = 64 * 1024;

/** A trust policy file: a regular file (never a link, FIFO or device, never blocking), at most 64 KiB. */
export async function readTrustPolicyFile(path: string): Promise<PolicyDocument> {
  const fail = (why: string) => new ClaimcheckError('INPUT_INVALID', `The trust policy ${path}: ${why}.`, 'Pass a JSON file: the policy document, or the output of aws iam get-role.');
  const bytes = readRegular(path, { refuse: (_, why) => fail(why), maxBytes: MAX_POLICY_BYTES, tooLarge: `it is larger than ${MAX_POLICY_BYTES} bytes` });
  if (bytes === undefined) throw fail('it cannot be read (ENOENT)');
  return parseTrustPolicyText(bytes.toString('utf8'), path);
}
