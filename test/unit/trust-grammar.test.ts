// What each issuer can issue, as grammars: every example and stranger value is one the field's
// language takes; every shape builds its claims from the same fields (the owner in `sub` and in
// `repository`); fields come in an order every template follows; the issuer's URL picks the
// grammar, and GitHub Enterprise Server has no immutable subject.
import { describe, expect, it } from 'vitest';
import { grammarFor, platformOfIssuer } from '../../src/core/trust/grammar/choose.js';
import { claimsOf, fieldOrder, fieldsOf, modelledClaims } from '../../src/core/trust/grammar/grammar.js';
import { accepts } from '../../src/core/trust/lang/dfa.js';
import { alphabetOf, toDfa } from '../../src/core/trust/lang/lang.js';

const ISSUERS = [
  'https://token.actions.githubusercontent.com',
  'https://ghes.example.com/_services/token',
  'https://oidc.circleci.com/org/3f1c0c2e-0000-4000-8000-000000000009',
  'https://gitlab.com',
  'https://agent.buildkite.com',
  'https://api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc',
  'https://ci.example.com',
];

describe('the grammars', () => {
  it.each(ISSUERS)('%s: examples and strangers are values of their fields; every shape models the same claims', (issuer) => {
    const grammar = grammarFor(issuer, 'sts.amazonaws.com');
    for (const [name, field] of Object.entries(grammar.fields)) {
      const dfa = toDfa(field.lang, alphabetOf([field.lang]));
      for (const value of [field.example, ...(field.stranger ? [field.stranger] : [])]) expect(accepts(dfa, value), `${name}: ${value}`).toBe(true);
    }
    const claims = [...modelledClaims(grammar)].sort();
    for (const shape of grammar.shapes) {
      expect(Object.keys(shape.claims).sort()).toEqual(claims);
      const order = fieldOrder(shape);
      for (const template of Object.values(shape.claims)) {
        const fields = template ? fieldsOf(template) : [];
        expect(fields.map((field) => order.indexOf(field))).toEqual([...fields.map((field) => order.indexOf(field))].sort((a, b) => a - b));
      }
    }
  });

  it('builds a token whose claims share their fields', () => {
    const grammar = grammarFor('https://token.actions.githubusercontent.com', 'sts.amazonaws.com');
    const values = Object.fromEntries(Object.entries(grammar.fields).map(([name, field]) => [name, field.absentByDefault ? undefined : field.example]));
    const immutableEnvironment = grammar.shapes.find((shape) => shape.name.startsWith('immutable') && shape.name.includes('environment'));
    expect(claimsOf(immutableEnvironment!, { ...values, owner: 'o', name: 'n' })).toMatchObject({
      sub: 'repo:o@200000002/n@100000001:environment:prod',
      repository: 'o/n',
      repository_owner: 'o',
      environment: 'prod',
      ref: 'refs/heads/main',
    });
    expect(claimsOf(grammar.shapes[0]!, values)).not.toHaveProperty('enterprise_id');
    expect(claimsOf(grammar.shapes[0]!, values)).not.toHaveProperty('environment');
  });

  it('is picked by the issuer, or by the platform named; GHES has legacy subjects only', () => {
    expect(ISSUERS.map(platformOfIssuer)).toEqual(['github', 'github', 'circleci', 'gitlab', 'buildkite', 'bitbucket', undefined]);
    expect(platformOfIssuer('https://token.actions.githubusercontent.com/acme')).toBe('github');
    expect(platformOfIssuer('https://token.actions.acme.ghe.com')).toBe('github');
    expect(grammarFor('https://token.actions.githubusercontent.com', 'a').shapes).toHaveLength(6);
    expect(grammarFor('https://ghes.example.com/_services/token', 'a').platform).toBe('ghes');
    expect(grammarFor('https://ghes.example.com/_services/token', 'a').shapes).toHaveLength(3);
    expect(grammarFor('http://127.0.0.1:9', 'a', { platform: 'github', githubCloud: true }).platform).toBe('github');
    expect(grammarFor('https://gitlab.example.com', 'a', { platform: 'gitlab' }).platform).toBe('gitlab');
    expect(grammarFor('http://127.0.0.1:9', 'a', { platform: 'circleci' }).fields.organization).toBeDefined();
  });
});
