// The claimcheck command line (package.json "bin" → bin/claimcheck.js → this bundle).
// start.js goes first: below the Node.js floor nothing else runs. A credential_process that
// its cache answers loads nothing more than these two files; each command loads its own chunks
// (cli/main.ts). No compile cache here: the only folders that outlive a CLI run are in the home
// folder, which CI caches restore from other jobs (see docs/reliability.md#performance);
// NODE_COMPILE_CACHE turns Node's on where that is safe.
import './cli/start.js';
import { fileURLToPath } from 'node:url';
import { answerFromCache } from './clouds/aws/credential-cache.js';

/** Standard input, but never more than `limit` bytes of it: `--token-file -` fed /dev/zero stops there. */
async function readStdin(limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    chunks.push(chunk as Buffer);
    size += (chunk as Buffer).length;
    if (size >= limit) break;
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

const argv = process.argv.slice(2);
const [command, configPath] = argv;
const cached = command === 'credential-process' && argv.length === 2 && configPath && !configPath.startsWith('-') ? answerFromCache(configPath, Date.now(), process.env) : undefined;
let code = 0;
if (cached !== undefined) {
  process.stdout.write(cached);
} else {
  // The AWS SDK warns on every run under Node < 22 that its releases from 2027 will need Node 22;
  // this bundle pins its SDK, so that is claimcheck's to act on, not the user's (the orb sets the same).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const [{ runCli }, { MAX_TOKEN_FILE_BYTES }] = await Promise.all([import('./cli/main.js'), import('./files/token-file.js')]);
  code = await runCli(argv, {
    stdout: (chunk) => process.stdout.write(chunk),
    stderr: (chunk) => process.stderr.write(chunk),
    env: process.env,
    readStdin: () => readStdin(MAX_TOKEN_FILE_BYTES + 1),
  }, { node: process.execPath, script: fileURLToPath(import.meta.url) });
}
// A request abandoned at its deadline may still hold a socket open; the work is done.
process.exit(code);
