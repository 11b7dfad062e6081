// `credential-process <config>`: what the refresh profile's credential_process runs. It
// answers from its private cache while the session has time left; otherwise it gets a fresh
// OIDC token and assumes the role again with the same verification and rules. Its output is
// the documented {"Version":1,…} document; errors go to standard error, which the AWS CLI shows.
import { join } from 'node:path';
import { parseSettings, type InputSource, type Settings } from '../../core/config/settings.js';
import { asClaimcheckError, formatError } from '../../core/errors.js';
import { Secrets } from '../../core/secrets.js';
import { writePrivateFile } from '../../files/private-file.js';
import { OWN_FILE } from '../../files/private-folder.js';
import { preloadRulesFile } from '../../files/rules-file.js';
import type { Log, TokenSpec } from '../../flow/cloud.js';
import { exchange } from '../../flow/exchange.js';
import { flowDeps, type FrontDoor } from '../../flow/wiring.js';
import { awsTarget, type AwsSession } from './cloud.js';
import { CACHE, freshCachedCredentials, processOutput, readRefreshConfig } from './credential-cache.js';
import { cacheOf } from './refresh.js';

export { CLIENT_REFRESH_WINDOW_MS, renewBeforeMs } from './credential-cache.js';

export interface CredentialProcessIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly now: () => number;
}

/** What a platform's bundle brings to the credential process: its HTTP, and its way to a token. */
export type CredentialProcessDoor = (token: TokenSpec, settings: Settings, log: Log) => Omit<FrontDoor, 'log' | 'mask'>;

export async function runCredentialProcess(configPath: string, door: CredentialProcessDoor, io: CredentialProcessIo): Promise<number> {
  const log: Log = { info: () => {}, debug: () => {}, warning: () => {} };
  const secrets = new Secrets(() => {});
  try {
    const dir = join(configPath, '..');
    const config = readRefreshConfig(configPath);
    const cached = freshCachedCredentials(configPath, config, io.now());
    if (cached) {
      io.stdout(processOutput(cached));
      return 0;
    }
    const source: InputSource = (name) => config.inputs[name];
    const settings = parseSettings(source, { readRulesFile: await preloadRulesFile(source) });
    if (!settings.aws) throw new Error('the renewal config names no role');
    const deps = flowDeps(settings, { ...door(config.token, settings, log), log, mask: secrets.add });
    const [session] = (await exchange(settings, [awsTarget(settings, settings.aws)], deps)) as AwsSession[];
    const fresh = cacheOf((session as AwsSession).assumed.session);
    writePrivateFile(join(dir, CACHE), JSON.stringify(fresh), OWN_FILE);
    io.stdout(processOutput(fresh));
    return 0;
  } catch (error) {
    io.stderr(`claimcheck credential-process: ${secrets.redact(formatError(asClaimcheckError(error)))}\n`);
    return 1;
  }
}
