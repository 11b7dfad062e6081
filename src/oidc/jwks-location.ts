// Where an issuer most likely publishes its key set, known before its discovery document
// arrives, so that both can be fetched at once. Only a guess: a key set is trusted only
// after the discovery document has named the same URL as its jwks_uri.

/** Issuers whose key set is not at `<issuer>/.well-known/jwks`, by host: the URL for an issuer. */
const KNOWN_ELSEWHERE: ReadonlyArray<{ readonly host: string; readonly path: RegExp; readonly keys: (issuer: string) => string }> = [
  // CircleCI: https://oidc.circleci.com/org/<organization id>
  { host: 'oidc.circleci.com', path: /^\/org\/[^/]+$/, keys: (issuer) => `${issuer}/.well-known/jwks-pub.json` },
  // GitLab.com (self-managed instances are not known by their URL); a URL's path is "/" at least
  { host: 'gitlab.com', path: /^\/$/, keys: () => 'https://gitlab.com/oauth/discovery/keys' },
  // Bitbucket Pipelines: https://api.bitbucket.org/2.0/workspaces/<workspace>/pipelines-config/identity/oidc
  { host: 'api.bitbucket.org', path: /\/pipelines-config\/identity\/oidc$/, keys: (issuer) => `${issuer}/keys.json` },
];

/**
 * The key set URL to fetch alongside the discovery document: `<issuer>/.well-known/jwks`
 * (GitHub, GitHub Enterprise Server, Buildkite, and most issuers), or a known provider's own
 * path; undefined when the issuer is not a URL.
 */
export function predictedJwksUri(issuer: string): string | undefined {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    return undefined;
  }
  if (url.search !== '' || url.hash !== '') return undefined;
  const known = KNOWN_ELSEWHERE.find((entry) => entry.host === url.hostname && entry.path.test(url.pathname));
  return known ? known.keys(issuer) : `${issuer.replace(/\/$/, '')}/.well-known/jwks`;
}
