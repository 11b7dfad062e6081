// GitHub Actions tokens as GitHub issues them. The subject is `repo:OWNER/REPO:<context>` or,
// for repositories created or renamed since 15 July 2026 (and those that opt in),
// `repo:OWNER@OWNER_ID/REPO@REPO_ID:<context>` (not on GitHub Enterprise Server). The context:
// - a job with an environment: `environment:NAME`, whatever its ref (a branch, a tag, or a
//   pull request's merge ref);
// - otherwise a pull_request-type event: `pull_request`, with the merge ref, or for
//   pull_request_target the base branch's ref;
// - otherwise `ref:REF`, a branch or a tag.
// Names and ids are independent fields: an id keeps its repository through renames, and a
// deleted repository's name can come back with another id. Git refs never hold `*`, `?`, `:`,
// spaces or `..`. Customised subject templates are a repository's own choice and not modelled.
import { fixed, one, tpl, type Shape, type Template, type TokenGrammar } from './grammar.js';
import { exactly, gitRef, NUMERIC_ID, re, REF_NAME_NFA, TEXT } from './pieces.js';
import { fromNfa } from '../lang/lang.js';
import { alt, seq } from '../lang/nfa.js';
import { regexToNfa } from '../lang/regex.js';

const OWNER = '[A-Za-z0-9][A-Za-z0-9_-]*';
const NAME = '[A-Za-z0-9._-]+';

/** `OWNER/REPO/.github/workflows/FILE@REF`, the workflow a job runs (a reusable one may be another repository's; a pull_request run's is the merge ref). */
function jobWorkflowRef() {
  const ref = alt(seq(regexToNfa('refs/(heads|tags)/'), REF_NAME_NFA), regexToNfa('refs/pull/[1-9][0-9]*/merge'), regexToNfa('[0-9a-f]+'));
  return fromNfa(seq(regexToNfa(`${OWNER}/${NAME}/\\.github/workflows/[^\\x00-\\x1f\\x7f/@]+@`), ref));
}

/** The fields every GitHub grammar shares (built once: their automata are cached by language). */
const FIELDS: TokenGrammar['fields'] = {
  owner: { lang: re(OWNER), example: 'acme', stranger: 'someone-else' },
  name: { lang: re(NAME), example: 'api', stranger: 'their-repo' },
  ownerId: { lang: NUMERIC_ID, example: '200000002', stranger: '987650001' },
  repositoryId: { lang: NUMERIC_ID, example: '100000001', stranger: '987650002' },
  refBranchOrTag: { lang: gitRef(['heads', 'tags']), example: 'refs/heads/main' },
  refAny: { lang: gitRef(['heads', 'tags', 'pull']), example: 'refs/heads/main' },
  refPullRequest: { lang: gitRef(['pull', 'heads']), example: 'refs/pull/1/merge' },
  environment: { lang: TEXT, example: 'prod' },
  actor: { lang: re(OWNER), example: 'octocat' },
  actorId: { lang: NUMERIC_ID, example: '583231' },
  workflow: { lang: TEXT, example: 'deploy' },
  jobWorkflowRef: { lang: jobWorkflowRef(), example: 'acme/api/.github/workflows/deploy.yml@refs/heads/main' },
  enterpriseId: { lang: NUMERIC_ID, example: '300000003', optional: true, absentByDefault: true },
};

type Context = 'ref' | 'environment' | 'pull_request';

function contextOf(context: Context): Template {
  if (context === 'ref') return tpl`ref:${'refBranchOrTag'}`;
  if (context === 'environment') return tpl`environment:${'environment'}`;
  return fixed('pull_request');
}

const REF_FIELD: Readonly<Record<Context, string>> = { ref: 'refBranchOrTag', environment: 'refAny', pull_request: 'refPullRequest' };

function shape(immutable: boolean, context: Context): Shape {
  const repo = immutable ? tpl`repo:${'owner'}@${'ownerId'}/${'name'}@${'repositoryId'}:` : tpl`repo:${'owner'}/${'name'}:`;
  return {
    name: `${immutable ? 'immutable' : 'legacy'} subject, ${context === 'ref' ? 'a branch or tag' : context === 'environment' ? 'a job with an environment' : 'a pull request'}`,
    claims: {
      sub: [...repo, ...contextOf(context)],
      repository: tpl`${'owner'}/${'name'}`,
      repository_owner: one('owner'),
      repository_id: one('repositoryId'),
      repository_owner_id: one('ownerId'),
      ref: one(REF_FIELD[context]),
      environment: context === 'environment' ? one('environment') : null,
      actor: one('actor'),
      actor_id: one('actorId'),
      workflow: one('workflow'),
      job_workflow_ref: one('jobWorkflowRef'),
      enterprise_id: one('enterpriseId'),
      aud: one('aud'),
      iss: one('iss'),
    },
  };
}

/**
 * GitHub's tokens for an issuer and audience. `immutableSubjects` is false for GitHub Enterprise
 * Server, which has no immutable subject.
 */
export function githubGrammar(issuer: string, audience: string, immutableSubjects: boolean): TokenGrammar {
  const contexts: Context[] = ['ref', 'environment', 'pull_request'];
  const shapes = [...contexts.map((context) => shape(false, context)), ...(immutableSubjects ? contexts.map((context) => shape(true, context)) : [])];
  return {
    platform: immutableSubjects ? 'github' : 'ghes',
    fields: { ...FIELDS, aud: { lang: exactly(audience), example: audience }, iss: { lang: exactly(issuer), example: issuer } },
    shapes,
    pins: { ids: ['ownerId', 'repositoryId', 'enterpriseId'], names: ['owner'], noun: 'repository' },
  };
}
