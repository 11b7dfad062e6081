// GitHub Action, main step; and what later processes of the job run: `credential-process
// <config>` for the refresh profile, `google-subject-token <config>` for Google's credentials
// file, `azure-refresh <folder>` for the Azure token file's refresher. A credential_process
// that its cache answers loads nothing more than this file; everything else is a chunk loaded
// once the command is known. The renewals, which clients run again and again in a job, are
// compiled once per job (the compile cache in RUNNER_TEMP); the main step is not, as a step
// that reads the cache peaks about 1 MiB higher, at the edge of its memory budget
// (docs/reliability.md).
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { answerFromCache } from './clouds/aws/credential-cache.js';
import { startCompileCache } from './platform/shared/compile-cache.js';

const [command = '', configPath] = process.argv.slice(2);
const renewal = Boolean(configPath) && (command === 'credential-process' || command === 'google-subject-token');
const cached = command === 'credential-process' && configPath ? answerFromCache(configPath, Date.now(), process.env) : undefined;
if (cached !== undefined) {
  process.stdout.write(cached);
} else {
  const temp = process.env.RUNNER_TEMP;
  if (renewal && temp) startCompileCache(join(temp, '.claimcheck-compile-cache'));
  const action = await import('./platform/github/action.js');
  const later = action.LATER_PROCESSES.get(command);
  if (later && configPath) process.exitCode = await later(configPath);
  else await action.runMain({ node: process.execPath, script: fileURLToPath(import.meta.url) });
}
// A request abandoned at its deadline may still hold a socket open; the work is done.
process.exit();
