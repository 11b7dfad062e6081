// GitHub Action, main step; `credential-process <config>` for the refresh profile;
// `google-subject-token <config>` for Google's credentials file; and `azure-refresh <folder>`,
// the process that keeps an Azure token file fresh.
import { fileURLToPath } from 'node:url';
import { runAzureRefresherCommand, runCredentialProcessCommand, runGoogleSubjectTokenCommand, runMain } from './platform/github/action.js';

const [command, configPath] = process.argv.slice(2);
const laterProcesses: Readonly<Record<string, (path: string) => Promise<number>>> = {
  'credential-process': runCredentialProcessCommand,
  'google-subject-token': runGoogleSubjectTokenCommand,
  'azure-refresh': runAzureRefresherCommand,
};
const later = command !== undefined && configPath ? laterProcesses[command] : undefined;
if (later && configPath) process.exitCode = await later(configPath);
else await runMain({ node: process.execPath, script: fileURLToPath(import.meta.url) });
// A request abandoned at its deadline may still hold a socket open; the work is done.
process.exit();
