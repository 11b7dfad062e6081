// `google-subject-token <renewal.json>`: the executable of the credentials file's
// credential_source, run by Google's clients at every refresh. It gets a fresh CI token,
// verifies it and holds it to the same rules as the step did, and prints it in the documented
// executable format; a failure is printed in that format too (code and message), on standard
// output only: the Python client reads standard error into the same stream.
import { parseSettings, type InputSource } from '../../core/config/settings.js';
import { asClaimcheckError, ClaimcheckError } from '../../core/errors.js';
import { executableFailure, executableSuccess } from '../../core/gcp/credentials-file.js';
import type { GcpSettings } from '../../core/gcp/settings.js';
import { Secrets } from '../../core/secrets.js';
import { inertLine } from '../../core/text/inert-text.js';
import { readPrivateFile } from '../../files/private-file.js';
import { OWN_FILE } from '../../files/private-folder.js';
import { preloadRulesFile } from '../../files/rules-file.js';
import type { CloudSession, CloudTarget, Environment, Log, TokenSpec } from '../../flow/cloud.js';
import { exchange } from '../../flow/exchange.js';
import { flowDeps } from '../../flow/wiring.js';
import type { CredentialProcessDoor } from '../aws/credential-process.js';

interface RenewalConfig {
  readonly version: 1;
  readonly inputs: Readonly<Record<string, string>>;
  readonly token: TokenSpec;
}

export interface SubjectTokenIo {
  readonly stdout: (text: string) => void;
  readonly env: Environment;
}

/** A target that exchanges nothing: the flow's checked token is the session (the client exchanges it). */
function tokenOnly(gcp: GcpSettings): CloudTarget {
  return {
    cloud: 'gcp',
    audience: gcp.audience,
    precheck: () => {},
    prepare: () => {},
    exchange: async (tokens): Promise<CloudSession> => ({
      cloud: 'gcp',
      token: tokens.current(),
      rules: [],
      facts: { cloud: 'gcp', title: 'Google Cloud', headline: { verb: 'renewed', name: gcp.provider.provider }, boundary: '', rows: [], audit: {} },
      enforces: () => undefined,
      handOver: () => {
        throw new Error('a renewal hands nothing over');
      },
    }),
  };
}

export async function runGoogleSubjectToken(configPath: string, door: CredentialProcessDoor, io: SubjectTokenIo): Promise<number> {
  const log: Log = { info: () => {}, debug: () => {}, warning: () => {} };
  const secrets = new Secrets(() => {});
  try {
    const config = JSON.parse(readPrivateFile(configPath, OWN_FILE)) as RenewalConfig;
    const source: InputSource = (name) => config.inputs[name];
    const settings = parseSettings(source, { readRulesFile: await preloadRulesFile(source) });
    const gcp = settings.gcp;
    if (!gcp) throw new Error('the renewal config names no workload identity provider');
    // The client says which provider it exchanges for; a file edited to point elsewhere gets no token.
    const asked = io.env.GOOGLE_EXTERNAL_ACCOUNT_AUDIENCE;
    if (asked !== undefined && asked !== gcp.stsAudience) {
      throw new ClaimcheckError('GCP_PROVIDER_INVALID', `The client asks for a token for ${asked}, but this renewal config is for ${gcp.stsAudience}.`, 'Use the credentials file claimcheck wrote, unchanged.');
    }
    const deps = flowDeps(settings, { ...door(config.token, settings, log), log, mask: secrets.add });
    const [session] = await exchange(settings, [tokenOnly(gcp)], deps);
    const token = (session as CloudSession).token;
    io.stdout(executableSuccess(token.raw, token.verified.expiresAt));
    return 0;
  } catch (error) {
    const failure = asClaimcheckError(error);
    io.stdout(executableFailure(failure.code, inertLine(secrets.redact(`${failure.message} Hint: ${failure.hint}`))));
    return 0;
  }
}
