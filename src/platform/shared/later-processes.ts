// The commands a job's later processes run through a front door's bundle: the renewing AWS
// profile's credential_process, Google's executable credential source and the Azure token
// file's refresher. Each gets its token through the door of the bundle it runs in.
import { runCredentialProcess, type CredentialProcessDoor } from '../../clouds/aws/credential-process.js';
import { processRefresherIo, runAzureRefresher } from '../../clouds/azure/refresher.js';
import { runGoogleSubjectToken } from '../../clouds/gcp/subject-token.js';

/** A later process: the path of the config or folder the main step wrote in, its exit code out. */
export type LaterProcess = (path: string) => Promise<number>;

const stdout = (text: string) => process.stdout.write(text);

export function laterProcesses(door: CredentialProcessDoor): ReadonlyMap<string, LaterProcess> {
  return new Map<string, LaterProcess>([
    ['credential-process', (path) => runCredentialProcess(path, door, { stdout, stderr: (text) => process.stderr.write(text), now: Date.now })],
    ['google-subject-token', (path) => runGoogleSubjectToken(path, door, { stdout, env: process.env })],
    ['azure-refresh', (dir) => runAzureRefresher(dir, door, processRefresherIo())],
  ]);
}
