// Which inputs the orb declares as booleans (src/core/config/orb-parameters.ts): those whose action.yml
// default is true or false, and no other.
import { describe, expect, it } from 'vitest';
import { INPUTS, type InputName } from '../../src/core/config/inputs.generated.js';
import { isBooleanInput, orbEnvironmentVariable } from '../../src/core/config/orb-parameters.js';

describe('orb parameters', () => {
  it('declares as booleans exactly the inputs with a true or false default', () => {
    const names = Object.keys(INPUTS) as InputName[];
    expect(names.filter(isBooleanInput).sort()).toEqual(['azure-cli-login', 'mask-aws-account-id', 'output-credentials', 'refresh', 'replace-profile']);
    expect(isBooleanInput('role-to-assume')).toBe(false);
    expect(isBooleanInput('role-duration-seconds')).toBe(false);
  });

  it('names the variable after the parameter', () => {
    expect(orbEnvironmentVariable('aws-profile')).toBe('CLAIMCHECK_PROFILE_NAME');
    expect(orbEnvironmentVariable('role-to-assume')).toBe('CLAIMCHECK_ROLE_TO_ASSUME');
  });
});
