// Imported first by the CLI's entry, so that it runs before any other module of the bundle:
// on a Node.js below the floor, the CLI says so and stops before it does anything else. The
// floor is package.json's engines (">=22"), which npm only warns about: Node.js 20 is past
// its end of life, and the AWS SDK's releases from January 2027 need 22; the orb's executor
// check says the same (orb/src/scripts/run_claimcheck.sh).
import { ClaimcheckError, formatError } from '../core/errors.js';

const NODE_FLOOR = 22;

/** The two lines to print when `version` (process.versions.node) is below the floor; undefined when it is not. */
function nodeTooOld(version: string, node: string): string | undefined {
  const major = Number(version.split('.')[0]);
  if (Number.isInteger(major) && major >= NODE_FLOOR) return undefined;
  return formatError(
    new ClaimcheckError(
      'NODE_TOO_OLD',
      `claimcheck needs Node.js ${NODE_FLOOR} or later; this is Node.js v${version} (${node}).`,
      `Run claimcheck with Node.js ${NODE_FLOOR} or later: install it (nodejs.org, or your CI image or its Node.js setup step), then run that node with claimcheck, or put it first on PATH.`,
    ),
  );
}

const tooOld = nodeTooOld(process.versions.node, process.execPath);
if (tooOld !== undefined) {
  process.stderr.write(`${tooOld}\n`);
  process.exit(1);
}
