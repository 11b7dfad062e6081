// CircleCI orb entry: the assume_role and cleanup commands run this bundle, and so do what
// later processes of the job run: the renewing profile's credential_process
// (`credential-process <config>`), Google's credentials file (`google-subject-token
// <config>`) and the Azure token file's refresher (`azure-refresh <folder>`). A
// credential_process that its cache answers loads nothing more than this file; the rest is a
// chunk loaded after that check.
import { fileURLToPath } from 'node:url';
import { answerFromCache } from './clouds/aws/credential-cache.js';

const [command = '', configPath] = process.argv.slice(2);
const cached = command === 'credential-process' && configPath ? answerFromCache(configPath, Date.now(), process.env) : undefined;
let code = 0;
if (cached !== undefined) {
  process.stdout.write(cached);
} else {
  const orb = await import('./platform/circleci/run.js');
  const later = orb.LATER_PROCESSES.get(command);
  const self = { node: process.execPath, script: fileURLToPath(import.meta.url) };
  code = later && configPath ? await later(configPath) : await orb.runOrbCommand(process.env, self, (line) => console.log(line), (line) => console.error(line));
}
// A request abandoned at its deadline may still hold a socket open; the work is done.
process.exit(code);
