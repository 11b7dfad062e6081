// The ClaimcheckError a call throws: the refusal a test then looks into. Any other error is
// rethrown, and a call that returns fails the test.
import { ClaimcheckError } from '../../src/core/errors.js';

export function refusalOf(run: () => unknown): ClaimcheckError {
  try {
    run();
  } catch (error) {
    if (error instanceof ClaimcheckError) return error;
    throw error;
  }
  throw new Error('expected a ClaimcheckError');
}
