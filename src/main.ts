// GitHub Action, main step; `credential-process <config>` for the refresh profile; and
// `azure-refresh <folder>`, the process that keeps an Azure token file fresh.
import { fileURLToPath } from 'node:url';
import { runAzureRefresherCommand, runCredentialProcessCommand, runMain } from './platform/github/action.js';

const [command, configPath] = process.argv.slice(2);
if (command === 'credential-process' && configPath) {
  process.exitCode = await runCredentialProcessCommand(configPath);
} else if (command === 'azure-refresh' && configPath) {
  process.exitCode = await runAzureRefresherCommand(configPath);
} else {
  await runMain({ node: process.execPath, script: fileURLToPath(import.meta.url) });
}
// A request abandoned at its deadline may still hold a socket open; the work is done.
process.exit();
