// CircleCI orb entry: the assume_role and cleanup commands run this bundle.
import { runOrbCommand } from './platform/circleci/run.js';

const code = await runOrbCommand(process.env, (line) => console.log(line), (line) => console.error(line));
// A request abandoned at its deadline may still hold a socket open; the work is done.
process.exit(code);
