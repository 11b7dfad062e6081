// GitHub Action, main step; and `credential-process <config>` for the refresh profile.
import { fileURLToPath } from 'node:url';
import { runCredentialProcessCommand, runMain } from './platform/github/action.js';

const [command, configPath] = process.argv.slice(2);
if (command === 'credential-process' && configPath) {
  process.exitCode = await runCredentialProcessCommand(configPath);
} else {
  await runMain({ node: process.execPath, script: fileURLToPath(import.meta.url) });
}
// A request abandoned at its deadline may still hold a socket open; the work is done.
process.exit();
