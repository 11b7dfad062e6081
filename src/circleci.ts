// CircleCI orb entry: the assume_role and cleanup commands run this bundle, and so does the
// renewing profile's credential_process (`credential-process <config>`), and Google's
// credentials file (`google-subject-token <config>`). A credential_process that its cache
// answers loads nothing more than this file; the rest is a chunk loaded after that check.
import { fileURLToPath } from 'node:url';
import { answerFromCache } from './clouds/aws/credential-cache.js';

const [command, configPath] = process.argv.slice(2);
const cached = command === 'credential-process' && configPath ? answerFromCache(configPath, Date.now()) : undefined;
let code = 0;
if (cached !== undefined) {
  process.stdout.write(cached);
} else {
  const orb = await import('./platform/circleci/run.js');
  const self = { node: process.execPath, script: fileURLToPath(import.meta.url) };
  code =
    command === 'credential-process' && configPath
      ? await orb.runCredentialProcessCommand(configPath)
      : command === 'google-subject-token' && configPath
        ? await orb.runGoogleSubjectTokenCommand(configPath)
        : await orb.runOrbCommand(process.env, self, (line) => console.log(line), (line) => console.error(line));
}
// A request abandoned at its deadline may still hold a socket open; the work is done.
process.exit(code);
