// The error model: anything thrown becomes a ClaimcheckError, and formatError prints it as
// exactly two lines however its message and hint are broken.
import { describe, expect, it } from 'vitest';
import { asClaimcheckError, ClaimcheckError, formatError } from '../../src/core/errors.js';

describe('asClaimcheckError', () => {
  it('keeps a ClaimcheckError as it is: its code and hint reach the user', () => {
    const error = new ClaimcheckError('RULE_FAILED', 'Claim rule ref=main does not hold.', 'Run it on main.');
    expect(asClaimcheckError(error)).toBe(error);
  });

  it('makes anything else INTERNAL, naming what was thrown, and says no credentials were exported', () => {
    const fromError = asClaimcheckError(new TypeError('x is not a function'));
    expect(fromError.code).toBe('INTERNAL');
    expect(fromError.message).toBe('claimcheck failed unexpectedly: TypeError: x is not a function');
    expect(fromError.hint).toBe('This is a bug in claimcheck; please report it with this message (no credentials were exported).');
    expect(asClaimcheckError('boom').message).toBe('claimcheck failed unexpectedly: a non-error value was thrown (string)');
    expect(asClaimcheckError(undefined).message).toBe('claimcheck failed unexpectedly: a non-error value was thrown (undefined)');
  });

  it('is an Error named ClaimcheckError, as a stack trace or String() shows it', () => {
    expect(String(new ClaimcheckError('INTERNAL', 'm', 'h'))).toBe('ClaimcheckError: m');
  });
});

describe('formatError', () => {
  it('prints the code and message on one line and the hint on the next, joining broken lines with one space', () => {
    const error = new ClaimcheckError('STS_INVALID_REQUEST', '  STS rejected\nthe request \r\n\r\n  (ValidationError:\rx)  ', '\nLower\n  role-duration-seconds. ');
    expect(formatError(error)).toBe('STS_INVALID_REQUEST: STS rejected the request (ValidationError: x)\nHint: Lower role-duration-seconds.');
  });

  it('keeps spaces within a line', () => {
    expect(formatError(new ClaimcheckError('INTERNAL', 'a  b', 'c\td'))).toBe('INTERNAL: a  b\nHint: c\\td');
  });
});
