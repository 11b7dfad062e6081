// GitHub Action, main step; `credential-process <config>` for the refresh profile, and
// `google-subject-token <config>` for Google's credentials file.
import { fileURLToPath } from 'node:url';
import { runCredentialProcessCommand, runGoogleSubjectTokenCommand, runMain } from './platform/github/action.js';

const [command, configPath] = process.argv.slice(2);
if (command === 'credential-process' && configPath) {
  process.exitCode = await runCredentialProcessCommand(configPath);
} else if (command === 'google-subject-token' && configPath) {
  process.exitCode = await runGoogleSubjectTokenCommand(configPath);
} else {
  await runMain({ node: process.execPath, script: fileURLToPath(import.meta.url) });
}
// A request abandoned at its deadline may still hold a socket open; the work is done.
process.exit();
