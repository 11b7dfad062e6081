// GitHub Action, main step.
import { runMain } from './platform/github/action.js';

await runMain();
// A request abandoned at its deadline may still hold a socket open; the work is done.
process.exit();
