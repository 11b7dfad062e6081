// Which grammar an issuer's tokens follow: the platform named (a rules file's platform:, or
// --platform), else the one the issuer's URL shows. GitHub Enterprise Server (an issuer
// ending in /_services/token, or any other GitHub issuer than github.com's and GHE.com's) has
// no immutable subjects.
import type { TokenGrammar } from './grammar.js';
import { githubGrammar } from './github.js';
import { bitbucketGrammar, buildkiteGrammar, circleciGrammar, gitlabGrammar, plainGrammar } from './platforms.js';

export type GrammarPlatform = 'github' | 'circleci' | 'gitlab' | 'buildkite' | 'bitbucket';

/** The issuer's URL without its scheme or a trailing slash, as IAM names its keys. */
export function issuerHostPath(issuer: string): string {
  return issuer.replace(/^https?:\/\//, '').replace(/\/+$/, '');
}

const GITHUB_CLOUD = /^token\.actions\.githubusercontent\.com(?:\/[^/]+)?$|^token\.actions\.[a-z0-9-]+\.ghe\.com$/;
const CIRCLECI = /^oidc\.circleci\.com\/org\/([0-9a-f-]+)$/;
const BITBUCKET = /^api\.bitbucket\.org\/2\.0\/workspaces\/[^/]+\/pipelines-config\/identity\/oidc$/;

/** The platform an issuer's URL shows, if any. */
export function platformOfIssuer(issuer: string): GrammarPlatform | undefined {
  const host = issuerHostPath(issuer);
  if (GITHUB_CLOUD.test(host) || host.endsWith('/_services/token')) return 'github';
  if (CIRCLECI.test(host)) return 'circleci';
  if (host === 'gitlab.com') return 'gitlab';
  if (host === 'agent.buildkite.com') return 'buildkite';
  if (BITBUCKET.test(host)) return 'bitbucket';
  return undefined;
}

const cache = new Map<string, TokenGrammar>();

export interface GrammarChoice {
  /** The platform named; default: the one the issuer's URL shows. */
  readonly platform?: GrammarPlatform | undefined;
  /** GitHub: whether immutable subjects exist (default: github.com's and GHE.com's issuers). */
  readonly githubCloud?: boolean | undefined;
}

export function grammarFor(issuer: string, audience: string, choice: GrammarChoice = {}): TokenGrammar {
  const platform = choice.platform ?? platformOfIssuer(issuer);
  const githubCloud = choice.githubCloud ?? GITHUB_CLOUD.test(issuerHostPath(issuer));
  const key = `${platform ?? ''}\n${githubCloud}\n${issuer}\n${audience}`;
  let grammar = cache.get(key);
  if (!grammar) {
    if (cache.size > 1000) cache.clear();
    cache.set(key, (grammar = build(issuer, audience, platform, githubCloud)));
  }
  return grammar;
}

function build(issuer: string, audience: string, platform: GrammarPlatform | undefined, githubCloud: boolean): TokenGrammar {
  const host = issuerHostPath(issuer);
  switch (platform) {
    case 'github':
      return githubGrammar(issuer, audience, githubCloud);
    case 'circleci':
      return circleciGrammar(issuer, audience, CIRCLECI.exec(host)?.[1]);
    case 'gitlab':
      return gitlabGrammar(issuer, audience);
    case 'buildkite':
      return buildkiteGrammar(issuer, audience);
    case 'bitbucket':
      return bitbucketGrammar(issuer, audience);
    default:
      return plainGrammar(issuer, audience);
  }
}
