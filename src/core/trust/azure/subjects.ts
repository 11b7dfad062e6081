// The subjects a platform gives its jobs, built from the rules on the claims they are made of.
// GitHub (default template): `repo:OWNER/REPO:<context>`, or since July 2026 for new, renamed
// and opted-in repositories `repo:OWNER@OWNER_ID/REPO@REPO_ID:<context>`; the context is
// `environment:NAME` for a job in an environment, else `pull_request` for pull_request runs,
// else `ref:REF`. GitLab: `project_path:GROUP/PROJECT:ref_type:branch|tag:ref:REF`. Any
// other issuer: the `sub` rule alone. A rule that names a claim outside the subject, or that
// the subject cannot carry, gets a reason: it binds only claimcheck unless a flexible
// credential can match it on its own.
import type { ClaimRule } from '../../rules/rules.js';
import { exactValue, followedBy, literal, OPEN, piecesOf, spell, type Piece, type SubjectPattern } from './pieces.js';

export type SubjectFormat = 'legacy' | 'immutable' | 'both';

/** What a credential set pins, from most to least. */
export type Pin = 'one' | 'owner' | 'none';

export interface SubjectPlan {
  readonly subjects: readonly SubjectPattern[];
  /** Why a rule shapes no subject. */
  readonly reasons: ReadonlyMap<ClaimRule, string>;
  readonly notes: readonly string[];
  /** What every subject pins by itself: one repository or project, an owner or group, or nothing. */
  readonly pin: Pin;
}

const REGEX = 'a regular expression has no form in a federated credential';
const weakest = (pins: readonly Pin[]): Pin => (pins.includes('none') ? 'none' : pins.includes('owner') ? 'owner' : 'one');

/** The first rule on each claim decides; later rules on the same claim bind only claimcheck. */
function firstRules(rules: readonly ClaimRule[], reasons: Map<ClaimRule, string>): Map<string, ClaimRule> {
  const first = new Map<string, ClaimRule>();
  for (const rule of rules) {
    if (first.has(rule.claim)) reasons.set(rule, `an earlier rule on ${rule.claim} decides the subjects`);
    else first.set(rule.claim, rule);
  }
  return first;
}

/** A rule's pieces, or an open piece (and the reason) when it has a regular expression. */
function piecesOr(rule: ClaimRule, prefix: string, reasons: Map<ClaimRule, string>): Piece[] {
  const pieces = piecesOf(rule, prefix);
  if (pieces !== undefined) return pieces;
  reasons.set(rule, REGEX);
  return [{ ...OPEN, text: `${prefix}*` }];
}

/** How much a path-like piece (owner/repo, group/project) pins: all of it, its first segment, or nothing. */
function pinOf(piece: Piece, prefix: string): Pin {
  if (!piece.wild) return 'one';
  const owner = piece.text.slice(prefix.length).split('/')[0] ?? '';
  return owner !== '' && !/[*?]/.test(owner) && piece.text.slice(prefix.length).includes('/') ? 'owner' : 'none';
}

function fromSubjectRule(sub: ClaimRule, others: ReadonlyMap<string, ClaimRule>, subjectClaims: readonly string[], reasons: Map<ClaimRule, string>): SubjectPlan {
  for (const claim of subjectClaims) {
    const rule = others.get(claim);
    if (rule !== undefined && rule !== sub) reasons.set(rule, 'the sub rule decides the subjects the credentials name');
  }
  const pieces = piecesOr(sub, '', reasons);
  return { subjects: spell([pieces]), reasons, notes: [], pin: pieces.every((piece) => !piece.wild) ? 'one' : 'none' };
}

const GITHUB_SUBJECT_CLAIMS = ['repository', 'repository_owner', 'environment', 'ref', 'event_name'];

export function githubSubjects(rules: readonly ClaimRule[], format: SubjectFormat): SubjectPlan & { readonly immutableMissing: boolean } {
  const reasons = new Map<ClaimRule, string>();
  const first = firstRules(rules, reasons);
  const sub = first.get('sub');
  if (sub !== undefined) return { ...fromSubjectRule(sub, first, GITHUB_SUBJECT_CLAIMS, reasons), immutableMissing: false };
  const prefixes: Array<{ piece: Piece; pin: Pin }> = [];
  if (format !== 'immutable') prefixes.push(...legacyPrefixes(first, reasons));
  const immutable = format === 'legacy' ? undefined : immutablePrefix(first);
  if (immutable !== undefined) prefixes.push(immutable);
  const contexts = githubContexts(first, reasons);
  return {
    subjects: spell([prefixes.map((prefix) => prefix.piece), [literal(':')], contexts]),
    reasons,
    notes: [],
    pin: weakest(prefixes.map((prefix) => prefix.pin)),
    immutableMissing: format !== 'legacy' && immutable === undefined,
  };
}

function legacyPrefixes(first: ReadonlyMap<string, ClaimRule>, reasons: Map<ClaimRule, string>): Array<{ piece: Piece; pin: Pin }> {
  const repository = first.get('repository');
  const owner = first.get('repository_owner');
  if (repository !== undefined) {
    if (owner !== undefined) reasons.set(owner, 'the repository rule decides the owner the subjects name');
    return piecesOr(repository, 'repo:', reasons).map((piece) => ({ piece, pin: pinOf(piece, 'repo:') }));
  }
  if (owner !== undefined) return piecesOr(owner, 'repo:', reasons).map((piece) => ({ piece: followedBy(piece, '/*', true), pin: piece.wild ? 'none' : 'owner' }));
  return [{ piece: { ...OPEN, text: 'repo:*' }, pin: 'none' }];
}

/** `repo:OWNER@ID/REPO@ID`: needs one owner id and one repository id; the names when one repository is named. */
function immutablePrefix(first: ReadonlyMap<string, ClaimRule>): { piece: Piece; pin: Pin } | undefined {
  const ownerIdRule = first.get('repository_owner_id');
  const repositoryIdRule = first.get('repository_id');
  const ownerId = exactValue(ownerIdRule);
  const repositoryId = exactValue(repositoryIdRule);
  if (ownerId === undefined || repositoryId === undefined || ownerIdRule === undefined || repositoryIdRule === undefined) return undefined;
  const ids = [{ rule: ownerIdRule, wider: false }, { rule: repositoryIdRule, wider: false }];
  const repositoryRule = first.get('repository');
  const name = exactValue(repositoryRule)?.split('/');
  if (name?.length === 2 && repositoryRule !== undefined) {
    return { piece: { text: `repo:${name[0]}@${ownerId}/${name[1]}@${repositoryId}`, wild: false, literalWildcards: /[*?]/.test(name.join('')), enforces: [...ids, { rule: repositoryRule, wider: false }] }, pin: 'one' };
  }
  return { piece: { text: `repo:*@${ownerId}/*@${repositoryId}`, wild: true, literalWildcards: false, enforces: ids }, pin: 'one' };
}

function githubContexts(first: ReadonlyMap<string, ClaimRule>, reasons: Map<ClaimRule, string>): Piece[] {
  const environment = first.get('environment');
  const ref = first.get('ref');
  const event = first.get('event_name');
  const pullRequestsOnly = event !== undefined && event.alternatives.every((alternative) => exactValue({ ...event, alternatives: [alternative] }) === 'pull_request');
  if (event !== undefined && (environment !== undefined || !pullRequestsOnly)) reasons.set(event, "GitHub's subject names the event only for pull_request runs outside an environment");
  if (environment !== undefined) {
    if (ref !== undefined) reasons.set(ref, "a job in an environment presents …:environment:NAME: its ref is not in the subject");
    return piecesOr(environment, 'environment:', reasons);
  }
  if (pullRequestsOnly && event !== undefined) {
    if (ref !== undefined) reasons.set(ref, 'a pull_request run presents …:pull_request: its ref is not in the subject');
    return [{ ...literal('pull_request'), enforces: [{ rule: event, wider: false }] }];
  }
  if (ref !== undefined) return piecesOr(ref, 'ref:', reasons);
  return [OPEN];
}

const GITLAB_SUBJECT_CLAIMS = ['project_path', 'ref_type', 'ref'];

export function gitlabSubjects(rules: readonly ClaimRule[]): SubjectPlan {
  const reasons = new Map<ClaimRule, string>();
  const first = firstRules(rules, reasons);
  const sub = first.get('sub');
  if (sub !== undefined) return fromSubjectRule(sub, first, GITLAB_SUBJECT_CLAIMS, reasons);
  const project = first.get('project_path');
  const projects = project === undefined ? [{ ...OPEN, text: 'project_path:*' }] : piecesOr(project, 'project_path:', reasons);
  const refType = first.get('ref_type');
  const ref = first.get('ref');
  const refs: Piece[][] =
    refType === undefined && ref === undefined
      ? [[{ ...OPEN, text: ':*' }]]
      : [refType === undefined ? [literal(':ref_type:branch'), literal(':ref_type:tag')] : piecesOr(refType, ':ref_type:', reasons), ref === undefined ? [{ ...OPEN, text: ':ref:*' }] : piecesOr(ref, ':ref:', reasons)];
  return { subjects: spell([projects, ...refs]), reasons, notes: [], pin: weakest(projects.map((piece) => pinOf(piece, 'project_path:'))) };
}

/** Any other issuer: only a `sub` rule shapes the subjects. */
export function plainSubjects(rules: readonly ClaimRule[]): SubjectPlan | undefined {
  const reasons = new Map<ClaimRule, string>();
  const first = firstRules(rules, reasons);
  const sub = first.get('sub');
  return sub === undefined ? undefined : fromSubjectRule(sub, first, [], reasons);
}
