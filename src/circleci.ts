// CircleCI orb entry: the assume_role and cleanup commands run this bundle, and so does the
// renewing profile's credential_process (`credential-process <config>`), Google's credentials
// file (`google-subject-token <config>`), and the Azure token file's refresher
// (`azure-refresh <folder>`).
import { fileURLToPath } from 'node:url';
import { runAzureRefresherCommand, runCredentialProcessCommand, runGoogleSubjectTokenCommand, runOrbCommand } from './platform/circleci/run.js';

const [command, configPath] = process.argv.slice(2);
const self = { node: process.execPath, script: fileURLToPath(import.meta.url) };
const laterProcesses: Readonly<Record<string, (path: string) => Promise<number>>> = {
  'credential-process': runCredentialProcessCommand,
  'google-subject-token': runGoogleSubjectTokenCommand,
  'azure-refresh': runAzureRefresherCommand,
};
const later = command !== undefined && configPath ? laterProcesses[command] : undefined;
const code = later && configPath ? await later(configPath) : await runOrbCommand(process.env, self, (line) => console.log(line), (line) => console.error(line));
// A request abandoned at its deadline may still hold a socket open; the work is done.
process.exit(code);
