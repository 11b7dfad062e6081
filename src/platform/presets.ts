// The CLI's platform presets (--platform, and platform: in rules files): for each CI, where
// the token comes from, which issuer signs it, how the session is named and what the summary
// says about the job. The Action and the orb have their own bundles; their presets let the
// CLI run in those CIs the same way (the token requested as they request it). Explicit only:
// a preset is never guessed from the environment; the claims' shape only names sessions.
import { INPUTS } from '../core/config/inputs.generated.js';
import { bitbucketRunLabel, buildkiteRunLabel, circleciRunLabel, githubRunLabel, gitlabRunLabel, type RunLabel } from '../core/report/run-label.js';
import { sessionNameFrom } from '../core/aws/session-name.js';
import type { Log, TokenSpec } from '../flow/cloud.js';
import type { JsonGetter, RetryContext } from '../net/http.js';
import { bitbucketIssuerFromEnvironment, bitbucketJobFacts, bitbucketSessionName, BITBUCKET_TOKEN_VARIABLE, looksLikeBitbucket } from './bitbucket/claims.js';
import { buildkiteJobFacts, buildkiteSessionName, buildkiteTokenCommand, BUILDKITE_ISSUER, looksLikeBuildkite } from './buildkite/claims.js';
import { circleciJobFacts, circleciSessionName } from './circleci/claims.js';
import { circleciIssuer } from './circleci/inputs.js';
import { circleciTokenRequester } from './circleci/token.js';
import { githubJobFacts, githubSessionName } from './github/claims.js';
import { githubTokenRequester } from './github/token.js';
import { gitlabIssuer, gitlabJobFacts, gitlabSessionName, GITLAB_TOKEN_VARIABLE, looksLikeGitlab } from './gitlab/claims.js';

type Claims = Readonly<Record<string, unknown>>;
type Environment = Readonly<Record<string, string | undefined>>;

export const PRESET_NAMES = ['github', 'circleci', 'gitlab', 'buildkite', 'bitbucket'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/** What a platform's own token request needs from the CLI: HTTP, retries, masking and the log. */
export interface PresetServices {
  readonly get: JsonGetter;
  readonly retry: RetryContext;
  readonly mask: (secret: string) => void;
  readonly log: Log;
}

/** A token the platform's own way (GitHub's endpoint, `circleci run oidc get`), and how a renewal gets one again. */
export interface PresetRequest {
  readonly flag: undefined;
  /** `fresh`: a renewal, which needs a token minted now rather than the job's own (CircleCI's expires an hour in). */
  readonly request: (env: Environment, services: PresetServices, fresh?: boolean) => (audience: string) => Promise<string>;
  readonly renewal: (env: Environment) => TokenSpec;
}

/** Where a preset's token comes from when no --token-* flag says: a variable, a command, or the platform's own request. */
export type PresetToken = { readonly flag: 'token-env'; readonly value: string } | { readonly flag: 'token-command'; readonly value: string } | PresetRequest;

export interface Preset {
  readonly name: PresetName;
  readonly title: string;
  readonly token: (audience: string) => PresetToken;
  /** What to do when the token source is missing or fails, in the platform's own words. */
  readonly tokenHint: string;
  /** The issuer the job's tokens come from, from the job's environment; undefined when it cannot be known. */
  readonly issuer: (env: Environment) => string | undefined;
  readonly issuerHint: string;
  readonly sessionName: (claims: Claims, env: Environment) => string;
  /** The run in the User-Agent of STS calls, so that CloudTrail names it. */
  readonly runLabel: (claims: Claims, env: Environment) => RunLabel;
  readonly jobFacts: (claims: Claims, env: Environment) => Array<[string, string]>;
}

/** GitHub Actions: the job's token endpoint, as the Action requests it (permissions: id-token: write). */
const GITHUB_REQUEST: PresetRequest = {
  flag: undefined,
  request: (env, services) => githubTokenRequester(env, services.get, services.retry, services.mask),
  renewal: (env) => ({ kind: 'github', url: env.ACTIONS_ID_TOKEN_REQUEST_URL ?? '', bearer: env.ACTIONS_ID_TOKEN_REQUEST_TOKEN ?? '' }),
};

/** CircleCI: CIRCLE_OIDC_TOKEN_V2 for the organization's audience, else `circleci run oidc get`, as the orb does. */
const CIRCLECI_REQUEST: PresetRequest = {
  flag: undefined,
  request: (env, services, fresh = false) =>
    circleciTokenRequester(
      env,
      {
        policy: services.retry.policy,
        clock: services.retry.clock,
        onRetry: (message, attempt, delay) => services.log.info(`Attempt ${attempt} failed (${message}); retrying in ${delay} ms.`),
      },
      fresh,
    ),
  renewal: () => ({ kind: 'circleci' }),
};

export const PRESETS: Readonly<Record<PresetName, Preset>> = {
  github: {
    name: 'github',
    title: 'GitHub Actions',
    token: () => GITHUB_REQUEST,
    tokenHint: 'Add "permissions: id-token: write" to the job (pull requests from forks and Dependabot runs never get a token), or name the token with --token-env or --token-file.',
    issuer: () => INPUTS.issuer.default,
    issuerHint: `the issuer is GitHub's, ${INPUTS.issuer.default} (give --issuer for an enterprise's own issuer or GitHub Enterprise Server's https://<host>/_services/token)`,
    sessionName: (claims) => githubSessionName(claims),
    runLabel: (claims) => githubRunLabel(claims),
    jobFacts: (claims) => githubJobFacts(claims),
  },
  circleci: {
    name: 'circleci',
    title: 'CircleCI',
    token: () => CIRCLECI_REQUEST,
    tokenHint: 'Run inside a CircleCI job, where CIRCLE_OIDC_TOKEN_V2 is set and the circleci command mints tokens for other audiences (circleci run oidc get), or name the token with --token-env or --token-command.',
    issuer: (env) => (env.CIRCLE_ORGANIZATION_ID ? circleciIssuer(env.CIRCLE_ORGANIZATION_ID) : undefined),
    issuerHint: 'the issuer is https://oidc.circleci.com/org/<organization ID>: run in a CircleCI job (CIRCLE_ORGANIZATION_ID), or give --issuer',
    sessionName: (claims, env) => circleciSessionName(env, claims),
    runLabel: (_claims, env) => circleciRunLabel(env),
    jobFacts: (claims, env) => circleciJobFacts(env, claims),
  },
  gitlab: {
    name: 'gitlab',
    title: 'GitLab CI/CD',
    token: () => ({ flag: 'token-env', value: GITLAB_TOKEN_VARIABLE }),
    tokenHint: `Give the job an ID token: id_tokens: { ${GITLAB_TOKEN_VARIABLE}: { aud: sts.amazonaws.com } } (CI_JOB_JWT_V2 was removed in GitLab 17.0), or name the job's variable with --token-env.`,
    issuer: gitlabIssuer,
    issuerHint: 'the issuer is the GitLab instance (CI_SERVER_URL, else https://gitlab.com)',
    sessionName: (claims) => gitlabSessionName(claims),
    runLabel: (claims) => gitlabRunLabel(claims),
    jobFacts: (claims) => gitlabJobFacts(claims),
  },
  buildkite: {
    name: 'buildkite',
    title: 'Buildkite',
    token: (audience) => ({ flag: 'token-command', value: buildkiteTokenCommand(audience) }),
    tokenHint: 'Run inside a Buildkite job, where buildkite-agent is on PATH (agent 3.x with oidc request-token --claim), or give --token-command.',
    issuer: () => BUILDKITE_ISSUER,
    issuerHint: `the issuer is ${BUILDKITE_ISSUER}`,
    sessionName: (claims) => buildkiteSessionName(claims),
    runLabel: (claims) => buildkiteRunLabel(claims),
    jobFacts: (claims) => buildkiteJobFacts(claims),
  },
  bitbucket: {
    name: 'bitbucket',
    title: 'Bitbucket Pipelines',
    token: () => ({ flag: 'token-env', value: BITBUCKET_TOKEN_VARIABLE }),
    tokenHint: `Set oidc: true on the step, which puts its token in ${BITBUCKET_TOKEN_VARIABLE}.`,
    issuer: bitbucketIssuerFromEnvironment,
    issuerHint: 'the issuer is the workspace\'s identity provider URL: run in a step (BITBUCKET_WORKSPACE), or give --issuer (Repository settings > OpenID Connect)',
    sessionName: (claims, env) => bitbucketSessionName(env, claims),
    runLabel: (claims, env) => bitbucketRunLabel(claims, env),
    jobFacts: (claims, env) => bitbucketJobFacts(env, claims),
  },
};

/** A renewal's token the way `assume --platform github|circleci` got the first one; undefined for the other kinds. */
export function platformRenewal(spec: TokenSpec, env: Environment, services: PresetServices): ((audience: string) => Promise<string>) | undefined {
  if (spec.kind === 'circleci') return CIRCLECI_REQUEST.request(env, services, true);
  if (spec.kind === 'github') return GITHUB_REQUEST.request({ ACTIONS_ID_TOKEN_REQUEST_URL: spec.url, ACTIONS_ID_TOKEN_REQUEST_TOKEN: spec.bearer }, services);
  // The later process's own environment: every step of a GitHub job has the request URL and bearer.
  if (spec.kind === 'github-env') return GITHUB_REQUEST.request(env, services);
  return undefined;
}

export function isPresetName(value: string): value is PresetName {
  return (PRESET_NAMES as readonly string[]).includes(value);
}

/** How a platform names its runs: the session name and the User-Agent's run label. */
type RunNaming = Pick<Preset, 'sessionName' | 'runLabel'>;

/** The preset's naming, else that of the platform whose claims these are (by their shape). */
function runNaming(claims: Claims, preset: Preset | undefined): RunNaming | undefined {
  if (preset) return preset;
  if (typeof claims.repository === 'string') return PRESETS.github;
  if (typeof claims['oidc.circleci.com/project-id'] === 'string') return PRESETS.circleci;
  if (looksLikeGitlab(claims)) return PRESETS.gitlab;
  if (looksLikeBuildkite(claims)) return PRESETS.buildkite;
  if (looksLikeBitbucket(claims)) return PRESETS.bitbucket;
  return undefined;
}

/** The default session name for the CLI: the preset's, else the one whose claims these are. */
export function cliSessionName(claims: Claims, env: Environment, preset?: Preset): string {
  return runNaming(claims, preset)?.sessionName(claims, env) ?? sessionNameFrom('claimcheck', Date.now().toString(36));
}

/** The run for the User-Agent of the CLI's STS calls: the preset's, else the one whose claims these are. */
export function cliRunLabel(claims: Claims, env: Environment, preset?: Preset): RunLabel {
  return runNaming(claims, preset)?.runLabel(claims, env) ?? [];
}
