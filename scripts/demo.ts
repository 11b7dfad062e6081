// The local demo: a real OIDC issuer, GitHub's token endpoint and STS on loopback; the
// bundled Action (dist/main) run by a simulated runner; then a later step that uses the
// exported credentials with the AWS CLI and the AWS SDK for JavaScript. Run by
// `npm run demo` (scripts/demo.sh) on Node 24, which runs this TypeScript as is.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { REPO_ROOT, runStep, visibleOutput } from '../test/harness/github.ts';
import { githubClaims } from '../test/harness/issuer.ts';
import { DEBIAN_AWS, hasDebianAws } from '../test/harness/runtimes.ts';
import { DEPLOY_ROLE as ROLE, startGithubWorld } from '../test/harness/world.ts';
const heading = (text: string) => console.log(`\n\x1b[1m== ${text}\x1b[0m`);
const indent = (text: string) => text.trim().replace(/^/gm, '   ');

const { issuer, endpoint, sts, close } = await startGithubWorld({ trustedSubject: 'repo:acme/api:ref:refs/heads/main' });

const inputs = { 'role-to-assume': ROLE, 'aws-region': 'us-east-1', issuer: issuer.url, 'sts-endpoint': sts.url, claims: 'repository=acme/api\nref=refs/heads/main' };
let failed = false;
try {
  heading(`Services on loopback: issuer ${issuer.url}, STS ${sts.url}`);
  console.log(indent(`Role ${ROLE} trusts sub repo:acme/api:ref:refs/heads/main, aud sts.amazonaws.com.`));

  heading('Step 1: uses: claimcheck (node dist/main/index.js) in a job of acme/api on refs/heads/main');
  const started = Date.now();
  const run = await runStep({ node: process.execPath, script: join(REPO_ROOT, 'dist/main/index.js'), tokenEndpoint: endpoint, inputs });
  console.log(indent(visibleOutput(run)));
  console.log(indent(`exit code ${run.code} after ${Date.now() - started} ms; exported: ${Object.keys(run.exported).join(', ')}`));
  heading('Step summary (GITHUB_STEP_SUMMARY)');
  console.log(indent(run.summary));
  if (run.code !== 0) throw new Error('the Action failed');

  heading(`Step 2: aws sts get-caller-identity (${DEBIAN_AWS}) with the exported variables`);
  if (hasDebianAws) {
    const env = { PATH: '/usr/bin:/bin', HOME: run.dir, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', ...run.exported };
    // Asynchronously: STS answers from this very process.
    const { stdout } = await promisify(execFile)(DEBIAN_AWS, ['sts', 'get-caller-identity', '--endpoint-url', sts.url], { env });
    console.log(indent(stdout));
  } else {
    console.log(indent('skipped: Debian awscli is not installed (scripts/setup.sh installs it)'));
  }
  heading('Step 2, again: the AWS SDK for JavaScript with the exported variables');
  const credentials = { accessKeyId: run.exported.AWS_ACCESS_KEY_ID ?? '', secretAccessKey: run.exported.AWS_SECRET_ACCESS_KEY ?? '', sessionToken: run.exported.AWS_SESSION_TOKEN ?? '' };
  const me = await new STSClient({ region: run.exported.AWS_REGION ?? '', endpoint: sts.url, credentials }).send(new GetCallerIdentityCommand({}));
  console.log(indent(`Arn ${me.Arn}, account ${me.Account}`));

  heading('Post step: blank the variables');
  const post = await runStep({ node: process.execPath, script: join(REPO_ROOT, 'dist/post/index.js'), state: run.state });
  console.log(indent(visibleOutput(post)));

  heading('And when the trust policy does not match: the same job on refs/heads/dev');
  endpoint.claims = githubClaims({ sub: 'repo:acme/api:ref:refs/heads/dev', ref: 'refs/heads/dev' });
  const denied = await runStep({ node: process.execPath, script: join(REPO_ROOT, 'dist/main/index.js'), tokenEndpoint: endpoint, inputs: { ...inputs, claims: '' } });
  console.log(indent(visibleOutput(denied).replace(/%0A/g, '\n   ')));
  console.log(indent(`exit code ${denied.code}; exported: ${Object.keys(denied.exported).length} variables`));
} catch (error) {
  failed = true;
  console.error(`demo failed: ${(error as Error).message}`);
} finally {
  await close();
}
process.exitCode = failed ? 1 : 0;
