// Where an issuer's key set is guessed to be: a known provider's own path only for its exact
// host and issuer path, `<issuer>/.well-known/jwks` otherwise, and no guess for what is not a
// plain URL.
import { describe, expect, it } from 'vitest';
import { predictedJwksUri } from '../../src/oidc/jwks-location.js';

describe('predictedJwksUri', () => {
  it.each<[string, string | undefined]>([
    ['https://oidc.circleci.com/org/acme', 'https://oidc.circleci.com/org/acme/.well-known/jwks-pub.json'],
    ['https://oidc.circleci.com/org/acme/more', 'https://oidc.circleci.com/org/acme/more/.well-known/jwks'],
    ['https://oidc.circleci.com/org/', 'https://oidc.circleci.com/org/.well-known/jwks'],
    ['https://oidc.circleci.com/x/org/acme', 'https://oidc.circleci.com/x/org/acme/.well-known/jwks'],
    ['https://oidc.circleci.com.evil.example/org/acme', 'https://oidc.circleci.com.evil.example/org/acme/.well-known/jwks'],
    ['https://gitlab.com/', 'https://gitlab.com/oauth/discovery/keys'],
    ['https://gitlab.com/group', 'https://gitlab.com/group/.well-known/jwks'],
    ['https://gitlab.com/group/', 'https://gitlab.com/group/.well-known/jwks'],
    ['https://gitlab.example.com', 'https://gitlab.example.com/.well-known/jwks'],
    ['https://api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc/more', 'https://api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc/more/.well-known/jwks'],
    ['https://bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc', 'https://bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc/.well-known/jwks'],
    ['https://issuer.example.com/tenant/', 'https://issuer.example.com/tenant/.well-known/jwks'],
    ['https://issuer.example.com/#keys', undefined],
    ['', undefined],
  ])('%s → %s', (issuer, expected) => {
    expect(predictedJwksUri(issuer)).toBe(expected);
  });
});
