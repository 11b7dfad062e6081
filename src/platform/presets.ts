// The CLI's platform presets (--platform, and platform: in rules files): for each CI without
// a bundle of its own, where the token comes from, which issuer signs it, how the session is
// named and what the summary says about the job. Explicit only: a preset is never guessed
// from the environment; the claims' shape only names sessions for the CLI.
import { bitbucketRunLabel, buildkiteRunLabel, circleciRunLabel, githubRunLabel, gitlabRunLabel, type RunLabel } from '../core/report/run-label.js';
import { sessionNameFrom } from '../core/aws/session-name.js';
import { bitbucketIssuerFromEnvironment, bitbucketJobFacts, bitbucketSessionName, BITBUCKET_TOKEN_VARIABLE, looksLikeBitbucket } from './bitbucket/claims.js';
import { buildkiteJobFacts, buildkiteSessionName, buildkiteTokenCommand, BUILDKITE_ISSUER, looksLikeBuildkite } from './buildkite/claims.js';
import { circleciSessionName } from './circleci/claims.js';
import { githubSessionName } from './github/claims.js';
import { gitlabIssuer, gitlabJobFacts, gitlabSessionName, GITLAB_TOKEN_VARIABLE, looksLikeGitlab } from './gitlab/claims.js';

type Claims = Readonly<Record<string, unknown>>;
type Environment = Readonly<Record<string, string | undefined>>;

export const PRESET_NAMES = ['gitlab', 'buildkite', 'bitbucket'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/** Where a preset's token comes from when no --token-* flag says: a variable, or a command. */
export type PresetToken = { readonly flag: 'token-env'; readonly value: string } | { readonly flag: 'token-command'; readonly value: string };

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

export const PRESETS: Readonly<Record<PresetName, Preset>> = {
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

export function isPresetName(value: string): value is PresetName {
  return (PRESET_NAMES as readonly string[]).includes(value);
}

/** How a platform names its runs: the session name and the User-Agent's run label. */
type RunNaming = Pick<Preset, 'sessionName' | 'runLabel'>;

const GITHUB_NAMING: RunNaming = { sessionName: (claims) => githubSessionName(claims), runLabel: (claims) => githubRunLabel(claims) };
const CIRCLECI_NAMING: RunNaming = { sessionName: (claims, env) => circleciSessionName(env, claims), runLabel: (_claims, env) => circleciRunLabel(env) };

/** The preset's naming, else that of the platform whose claims these are (by their shape). */
function runNaming(claims: Claims, preset: Preset | undefined): RunNaming | undefined {
  if (preset) return preset;
  if (typeof claims.repository === 'string') return GITHUB_NAMING;
  if (typeof claims['oidc.circleci.com/project-id'] === 'string') return CIRCLECI_NAMING;
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
