// GitHub Action, main step; `credential-process <config>` for the refresh profile, and
// `google-subject-token <config>` for Google's credentials file. A credential_process that its
// cache answers loads nothing more than this file; everything else is a chunk loaded once the
// command is known (and compiled once per job, with the compile cache in RUNNER_TEMP).
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { answerFromCache } from './clouds/aws/credential-cache.js';
import { startCompileCache } from './platform/shared/compile-cache.js';

const [command, configPath] = process.argv.slice(2);
const cached = command === 'credential-process' && configPath ? answerFromCache(configPath, Date.now()) : undefined;
if (cached !== undefined) {
  process.stdout.write(cached);
} else {
  const temp = process.env.RUNNER_TEMP;
  startCompileCache(temp ? join(temp, '.claimcheck-compile-cache') : undefined);
  const action = await import('./platform/github/action.js');
  if (command === 'credential-process' && configPath) {
    process.exitCode = await action.runCredentialProcessCommand(configPath);
  } else if (command === 'google-subject-token' && configPath) {
    process.exitCode = await action.runGoogleSubjectTokenCommand(configPath);
  } else {
    await action.runMain({ node: process.execPath, script: fileURLToPath(import.meta.url) });
  }
}
// A request abandoned at its deadline may still hold a socket open; the work is done.
process.exit();
