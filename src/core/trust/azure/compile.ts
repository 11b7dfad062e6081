// Claim rules compiled into the federated identity credentials Entra ID enforces. Entra
// matches issuer, subject and audience exactly, so each subject the rules allow becomes one
// credential (at most 20 per app); a rule that needs a wildcard becomes a flexible credential
// (claimsMatchingExpression) where Entra supports one for the issuer, with the ids it demands.
// Nothing is widened in silence: each rule is reported as enforced by Azure, enforced by a
// wider pattern (and by claimcheck exactly), or checked by claimcheck only, with the reason.
// Credentials that pin no repository or project are refused unless asked for.
import { ClaimcheckError } from '../../errors.js';
import type { ClaimRule } from '../../rules/rules.js';
import type { Platform } from '../../rules/rules-file.js';
import { credentialName, describe, type FederatedCredential } from './credential.js';
import { azureFamily, flexibleSupport, PER_RUN_SUBJECTS, type AzureFamily, type FlexibleSupport } from './issuers.js';
import { exactValue, piecesOf, type SubjectPattern } from './pieces.js';
import { githubSubjects, gitlabSubjects, plainSubjects, type Pin, type SubjectFormat, type SubjectPlan } from './subjects.js';

export type FlexibleUse = 'needed' | 'always' | 'never';

export interface AzureTrustOptions {
  readonly issuer: string;
  readonly audience: string;
  readonly platform: Platform | undefined;
  /** GitHub's subject formats to name; undefined: both where the rules give the ids, else the name-based one. */
  readonly subjectFormat: SubjectFormat | undefined;
  readonly flexible: FlexibleUse;
  /** Accept credentials that pin no repository or project. */
  readonly allowUnpinned: boolean;
}

export type AzureBinding =
  | { readonly rule: ClaimRule; readonly where: 'azure'; readonly key: string }
  | { readonly rule: ClaimRule; readonly where: 'azure-wider'; readonly key: string; readonly note: string }
  | { readonly rule: ClaimRule; readonly where: 'claimcheck'; readonly reason: string };

export interface CompiledCredentials {
  readonly credentials: readonly FederatedCredential[];
  readonly bindings: readonly AzureBinding[];
  /** Warnings and notes for people (standard error). */
  readonly notes: readonly string[];
}

/** Entra's limit of federated credentials per app registration or managed identity. */
export const MAX_CREDENTIALS = 20;

const refuse = (message: string, hint: string) => new ClaimcheckError('INPUT_INVALID', message, hint);

/** An extra `eq`/`matches` clause of a flexible credential, from a rule on a claim the issuer's expressions take. */
interface Clause {
  readonly text: string;
  readonly rule: ClaimRule;
  readonly wider: boolean;
  readonly claim: string;
}

function quoted(value: string): string {
  if (value.includes("'")) throw refuse(`The value ${value} holds a single quote, which claimcheck does not write into a flexible credential's expression.`, 'Match that value without the quote (a wildcard in its place), or with an exact credential.');
  return `'${value}'`;
}

/** Each alternative set of clauses a flexible credential can carry; several when a rule lists alternatives. */
function clauseVariants(rules: readonly ClaimRule[], support: FlexibleSupport): Clause[][] {
  let variants: Clause[][] = [[]];
  const seen = new Set<string>();
  for (const rule of rules) {
    const operator = support.claims[rule.claim];
    if (rule.claim === 'sub' || operator === undefined || seen.has(rule.claim)) continue;
    const pieces = piecesOf(rule);
    if (pieces === undefined || (operator === 'eq' && pieces.some((piece) => piece.wild))) continue;
    seen.add(rule.claim);
    const clauses = pieces.map((piece) => ({
      text: `claims['${rule.claim}'] ${piece.wild ? 'matches' : 'eq'} ${quoted(piece.text)}`,
      rule,
      wider: piece.wild && (piece.enforces?.[0]?.wider === true || piece.literalWildcards === true),
      claim: rule.claim,
    }));
    variants = variants.flatMap((variant) => clauses.map((clause) => [...variant, clause]));
  }
  return variants;
}

interface Planned {
  readonly credential: FederatedCredential;
  readonly enforced: ReadonlyMap<ClaimRule, 'exact' | 'wider'>;
  readonly pin: Pin;
}

const FAMILY_TITLES: Readonly<Record<AzureFamily, string>> = { github: 'GitHub', gitlab: 'GitLab', terraform: 'Terraform Cloud', circleci: 'CircleCI', buildkite: 'Buildkite', bitbucket: 'Bitbucket', other: 'this issuer' };

function planOf(rules: readonly ClaimRule[], family: AzureFamily, options: AzureTrustOptions, notes: string[]): SubjectPlan {
  if (family === 'github') {
    const plan = githubSubjects(rules, options.subjectFormat ?? 'both');
    if (plan.immutableMissing) {
      if (options.subjectFormat === 'immutable') throw refuse("GitHub's immutable subjects (repo:OWNER@ID/REPO@ID:…) need the ids: the rules hold no single repository_owner_id and repository_id.", "Add rules repository_owner_id=<id> and repository_id=<id> (gh api repos/OWNER/REPO --jq '.owner.id, .id').");
      if (options.subjectFormat === undefined) notes.push("Note: repositories on GitHub's immutable subject format (created, renamed or transferred since July 2026, or opted in) present repo:OWNER@ID/REPO@ID:…, which these credentials do not name. Add rules on repository_owner_id and repository_id (gh api repos/OWNER/REPO --jq '.owner.id, .id') to get those credentials too, or pass --sub-format legacy to say the repository keeps the name-based format.");
    }
    return plan;
  }
  if (family === 'gitlab') return gitlabSubjects(rules);
  const perRun = PER_RUN_SUBJECTS[family];
  const plan = plainSubjects(rules);
  if (plan !== undefined) return plan;
  if (perRun !== undefined) {
    throw refuse(
      `${perRun}, so no federated credential names every run of a job, and Entra has no flexible credentials for ${FAMILY_TITLES[family]}'s issuer: Azure cannot enforce these rules.`,
      'Name the exact subjects Entra should accept with a sub rule (one credential each, at most 20), knowing that each run presents its own; or check this job with claimcheck alone and keep the boundary in a cloud whose policy can read its claims (AWS, Google Cloud).',
    );
  }
  throw refuse(`Entra matches only the subject of tokens from ${options.issuer}, and the rules hold no rule on sub.`, 'Add a rule sub=<the subject> (one credential per value; wildcards only for GitHub, GitLab and Terraform Cloud issuers).');
}

function planned(subject: SubjectPattern, clauses: readonly Clause[], support: FlexibleSupport | undefined, pin: Pin, options: AzureTrustOptions, family: AzureFamily): Planned {
  const enforced = new Map(subject.enforced);
  const flexible = subject.wild || (options.flexible === 'always' && support !== undefined);
  if (!flexible) {
    return { credential: credentialOf(options, { subject: subject.text }, enforced, [], family, subject.text), enforced, pin };
  }
  if (options.flexible === 'never' || support === undefined) {
    throw refuse(
      `The subject ${subject.text} needs a wildcard, which Entra matches only in flexible credentials${support === undefined ? `, and it has none for ${options.issuer}` : ', and --flexible never refuses them'}.`,
      'List the values the rules allow instead of a pattern (alternatives with |, one credential each, at most 20)' + (support === undefined ? '; flexible credentials exist for GitHub, GitLab and Terraform Cloud issuers only.' : ', or allow flexible credentials (--flexible needed).'),
    );
  }
  const claims = new Set(clauses.map((clause) => clause.claim));
  if (support.requiresOneOf.length > 0 && !support.requiresOneOf.some((claim) => claims.has(claim))) {
    throw refuse(
      `Entra's flexible credentials for ${FAMILY_TITLES[family]} must also match ${support.requiresOneOf.join(' or ')} exactly, and the rules hold no such rule with one value (the subject ${subject.text} needs a wildcard).`,
      family === 'github' ? "Add a rule repository_id=<id> (gh api repos/OWNER/REPO --jq .id), or repository_owner_id=<id>." : 'Add a rule project_id=<the project\'s numeric id>.',
    );
  }
  const wider = subject.wild && subject.literalWildcards;
  for (const [rule, how] of enforced) enforced.set(rule, wider ? 'wider' : how);
  for (const clause of clauses) enforced.set(clause.rule, clause.wider ? 'wider' : 'exact');
  const value = [`claims['sub'] ${subject.wild ? 'matches' : 'eq'} ${quoted(subject.text)}`, ...clauses.map((clause) => clause.text)].join(' and ');
  const pinned: Pin = claims.has('repository_id') || claims.has('project_id') ? 'one' : claims.has('repository_owner_id') && pin === 'none' ? 'owner' : pin;
  return { credential: credentialOf(options, { claimsMatchingExpression: { value, languageVersion: 1 } }, enforced, clauses, family, value), enforced, pin: pinned };
}

function credentialOf(options: AzureTrustOptions, match: Pick<FederatedCredential, 'subject' | 'claimsMatchingExpression'>, enforced: ReadonlyMap<ClaimRule, 'exact' | 'wider'>, clauses: readonly Clause[], family: AzureFamily, matched: string): FederatedCredential {
  const sources = [...enforced.keys()].map((rule) => rule.source);
  const widened = [...enforced].filter(([, how]) => how === 'wider').map(([rule]) => rule.source);
  const kind = match.subject === undefined ? 'A flexible credential (preview)' : 'Entra matches this subject exactly';
  const text = `claimcheck: ${kind}; from the rules ${sources.join(', ') || '(none)'}.${widened.length === 0 ? '' : ` Wider than ${widened.join(', ')}: Entra's * also crosses / and :, and * or ? in a value are wildcards; claimcheck checks the rules exactly.`}`;
  return {
    name: credentialName([family, match.subject ?? clauses.map((clause) => clause.claim).join('-')], matched),
    issuer: options.issuer,
    ...match,
    audiences: [options.audience],
    description: describe(text),
  };
}

function bindingsOf(rules: readonly ClaimRule[], plans: readonly Planned[], plan: SubjectPlan, options: AzureTrustOptions, family: AzureFamily): AzureBinding[] {
  return rules.map((rule): AzureBinding => {
    if (rule.claim === 'iss' || rule.claim === 'aud') {
      const value = rule.claim === 'iss' ? options.issuer : options.audience;
      const key = rule.claim === 'iss' ? 'issuer' : 'audiences';
      if (exactValue(rule) === value) return { rule, where: 'azure', key };
      return { rule, where: 'claimcheck', reason: `the credentials name the ${key} ${value} exactly; give --${rule.claim === 'iss' ? 'issuer' : 'audience'} to choose another` };
    }
    const reason = plan.reasons.get(rule);
    if (reason !== undefined) return { rule, where: 'claimcheck', reason };
    const hows = plans.map((entry) => entry.enforced.get(rule));
    if (plans.length > 0 && hows.every((how) => how !== undefined)) {
      const key = rule.claim === 'sub' || !plans.some((entry) => entry.credential.claimsMatchingExpression?.value.includes(`claims['${rule.claim}']`)) ? 'subject' : `claims['${rule.claim}']`;
      if (hows.some((how) => how === 'wider')) return { rule, where: 'azure-wider', key, note: "Entra's * also crosses / and :, and * or ? in a value are wildcards; claimcheck checks the rule exactly" };
      return { rule, where: 'azure', key };
    }
    if (hows.some((how) => how !== undefined)) return { rule, where: 'claimcheck', reason: 'the credentials for the name-based subject, repo:OWNER/REPO:…, do not check it' };
    const flexibleClaims = Object.keys(flexibleSupport(options.issuer)?.claims ?? {}).filter((claim) => claim !== 'sub');
    return { rule, where: 'claimcheck', reason: `Entra's credentials match the issuer, the subject and the audience${flexibleClaims.length === 0 ? '' : ` (flexible ones also ${flexibleClaims.join(', ')})`}, and ${FAMILY_TITLES[family]}'s subject does not carry ${rule.claim}` };
  });
}

const PIN_WORDS: Readonly<Record<AzureFamily, { one: string; owner: string }>> = {
  github: { one: 'repository', owner: 'owner' },
  gitlab: { one: 'project', owner: 'group' },
  terraform: { one: 'workspace', owner: 'organization' },
  circleci: { one: 'project', owner: 'organization' },
  buildkite: { one: 'pipeline', owner: 'organization' },
  bitbucket: { one: 'repository', owner: 'workspace' },
  other: { one: 'subject', owner: 'owner' },
};

function guardPins(plans: readonly Planned[], family: AzureFamily, options: AzureTrustOptions, notes: string[]): void {
  const words = PIN_WORDS[family];
  const weakest = plans.some((entry) => entry.pin === 'none') ? 'none' : plans.some((entry) => entry.pin === 'owner') ? 'owner' : 'one';
  if (weakest === 'none' && !options.allowUnpinned) {
    throw refuse(
      `These federated credentials would pin no ${words.one}: Entra would accept the jobs of every ${words.one} whose tokens ${options.issuer} signs.`,
      family === 'github' ? 'Add a rule on repository_id (and repository_owner_id), or on repository; pass --allow-unpinned only if every repository is meant.' : `Add a rule that names the ${words.one}${family === 'gitlab' ? ' (project_path, project_id)' : ' (sub)'}; pass --allow-unpinned only if that is meant.`,
    );
  }
  if (weakest === 'none') notes.push(`Warning: these credentials pin no ${words.one} (--allow-unpinned).`);
  if (weakest === 'owner') notes.push(`Warning: these credentials pin an ${words.owner}, not one ${words.one}: every ${words.one} of it is accepted.`);
}

export function compileCredentials(rules: readonly ClaimRule[], options: AzureTrustOptions): CompiledCredentials {
  const notes: string[] = [];
  const family = azureFamily(options.issuer, options.platform);
  const plan = planOf(rules, family, options, notes);
  const support = options.flexible === 'never' ? undefined : flexibleSupport(options.issuer);
  const variants = support === undefined ? [[]] : clauseVariants(rules, support);
  const plans = plan.subjects.flatMap((subject) => {
    const flexible = subject.wild || (options.flexible === 'always' && support !== undefined);
    return (flexible ? variants : [[]]).map((clauses) => planned(subject, clauses, support, plan.pin, options, family));
  });
  if (plans.length > MAX_CREDENTIALS) {
    throw refuse(
      `The rules allow ${plans.length} subjects, each its own federated credential, and Entra holds at most ${MAX_CREDENTIALS} per app (those it has already count too).`,
      support === undefined ? 'Allow fewer values (branches, environments), or split the jobs across apps.' : 'Use a wildcard where the values share a form (ref=refs/heads/release-**), which becomes one flexible credential, or allow fewer values.',
    );
  }
  guardPins(plans, family, options, notes);
  if (plans.some((entry) => entry.credential.claimsMatchingExpression !== undefined)) {
    notes.push("Note: flexible credentials (claimsMatchingExpression) are in preview; az ad app federated-credential create does not take them: create them with az rest (--format az prints the commands) or Microsoft Graph's beta endpoint.");
  }
  return { credentials: plans.map((entry) => entry.credential), bindings: bindingsOf(rules, plans, plan, options, family), notes: [...plan.notes, ...notes] };
}
