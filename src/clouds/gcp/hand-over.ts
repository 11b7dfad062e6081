// How a Google Cloud session reaches later steps: an external_account credentials file in a
// private folder outside the workspace (owner-only), holding no token, whose executable
// credential source runs claimcheck again for a fresh CI token (verified and held to the same
// rules) whenever a client refreshes; the variables google-github-actions/auth exports; and
// step outputs. The folder is recorded for cleanup before anything is written in it.
import { createHash } from 'node:crypto';
import { isAbsolute, join, resolve } from 'node:path';
import { INPUTS, type InputName } from '../../core/config/inputs.generated.js';
import { ClaimcheckError } from '../../core/errors.js';
import { commandWordProblem, credentialsFile, credentialVariables, PROJECT_VARIABLES, SHADOWING_VARIABLES } from '../../core/gcp/credentials-file.js';
import type { GcpSettings } from '../../core/gcp/settings.js';
import { writePrivateFile } from '../../files/private-file.js';
import { freshPrivateFolder, OWN_FILE, removeOwnFolder } from '../../files/private-folder.js';
import type { HandOver, HandOverPlace, Rerun } from '../../flow/cloud.js';
import type { GcpExchanged } from './exchange.js';
import { generateAccessTokenUrl, tokenUrl } from './google-api.js';

/** What Google records of its files: the private folder, by the name the platform gave it. */
export type GcpUndo = { readonly cloud: 'gcp'; readonly kind: 'credentials'; readonly name: string; readonly dir: string };

export const CREDENTIALS_FILE = 'credentials.json';
/** The executable's own config: the inputs and how to get a token (on GitHub: from the environment). */
export const RENEWAL_CONFIG = 'renewal.json';
const LAUNCHER = 'launch.mjs';
export const SUBJECT_TOKEN_COMMAND = 'google-subject-token';

/** The folder's name: one per provider and service account, so a second step for another one keeps the first. */
export function gcpFolderName(gcp: GcpSettings): string {
  return `gcp-${createHash('sha256').update(`${gcp.provider.name}\n${gcp.serviceAccount ?? ''}`).digest('hex').slice(0, 12)}`;
}

export const GCP_FOLDER_NAME = /^gcp-[0-9a-f]{12}$/;

export function handOverGcp(gcp: GcpSettings, exchanged: GcpExchanged, place: HandOverPlace): HandOver {
  const access = exchanged.accessToken;
  const outputs: Array<[string, string]> = [...(gcp.projectId === undefined ? [] : [['project_id', gcp.projectId] as [string, string]]), ...(access === undefined ? [] : [['access_token', access.token] as [string, string]])];
  const data = {
    ...(gcp.projectId === undefined ? {} : { project_id: gcp.projectId }),
    ...(access === undefined ? {} : { service_account: gcp.serviceAccount ?? '', access_token: access.token, expiration: access.expiration.toISOString() }),
  };
  if (gcp.outputsOnly) {
    return { set: [], clear: [], outputs, data, notes: ['Exported nothing for Google Cloud (export: none): the access token is in the access_token output.'], warnings: [] };
  }
  const path = writeCredentials(gcp, place);
  const shadowing = SHADOWING_VARIABLES.filter((name) => (place.env[name] ?? '') !== '');
  const projectNote = gcp.projectId === undefined ? ' No project was given (project-id) or found in service-account, so clients look one up themselves.' : ` Project ${gcp.projectId} (from ${gcp.projectFrom}).`;
  return {
    set: [...credentialVariables(path), ...(gcp.projectId === undefined ? [] : PROJECT_VARIABLES.map((name): [string, string] => [name, gcp.projectId as string]))],
    clear: place.canUnset ? shadowing : [],
    outputs: [['credentials_file_path', path], ...outputs],
    data: { credentials_file_path: path, ...data },
    notes: [`Wrote the Google credentials file ${path}; GOOGLE_APPLICATION_CREDENTIALS points every Google client at it, and it renews its tokens through claimcheck.${projectNote}`],
    warnings: !place.canUnset && shadowing.length > 0 ? [`${shadowing.join(' and ')} ${shadowing.length === 1 ? 'is' : 'are'} set by an earlier step; gcloud and Terraform use ${shadowing.length === 1 ? 'it' : 'them'} before the credentials file.`] : [],
  };
}

/** Records the folder, then writes the renewal config, the orb's launcher and the credentials file; a failure removes what was written. */
function writeCredentials(gcp: GcpSettings, place: HandOverPlace): string {
  const rerun = place.rerun;
  if (!rerun) {
    throw new ClaimcheckError('EXPORT_FAILED', 'Google clients renew their tokens by running claimcheck again, and this run has no token source they can use again.', 'Give the token with --token-command, --token-file (a path) or --token-env, or use --export none for the access token alone.');
  }
  const name = gcpFolderName(gcp);
  const dir = place.privateFolder(name);
  place.record({ cloud: 'gcp', kind: 'credentials', name, dir } satisfies GcpUndo);
  try {
    freshPrivateFolder(dir);
    const renewal = join(dir, RENEWAL_CONFIG);
    // On GitHub every step has the request URL and bearer in its environment: the bearer never goes to disk.
    const token = rerun.token.kind === 'github' ? { kind: 'github-env', ...(rerun.token.job === undefined ? {} : { job: rerun.token.job }) } : rerun.token;
    writePrivateFile(renewal, JSON.stringify({ version: 1, inputs: pinnedInputs(rerun.inputs, gcp), token }), OWN_FILE);
    const script = rerun.launcher === undefined ? rerun.self.script : join(dir, LAUNCHER);
    if (rerun.launcher !== undefined) writePrivateFile(script, rerun.launcher, OWN_FILE);
    const command = [rerun.self.node, script, SUBJECT_TOKEN_COMMAND, renewal];
    for (const word of command) {
      const problem = commandWordProblem(word);
      if (problem) throw new ClaimcheckError('EXPORT_FAILED', `Cannot write ${JSON.stringify(word)} into the credentials file's command: ${problem}.`, 'Run claimcheck and Node from paths without spaces, and keep the runner temp folder (or home) in such a path.');
    }
    const path = join(dir, CREDENTIALS_FILE);
    const impersonationUrl = gcp.serviceAccount === undefined ? undefined : generateAccessTokenUrl(gcp.iamCredentialsEndpoint, gcp.serviceAccount);
    writePrivateFile(path, credentialsFile({ stsAudience: gcp.stsAudience, tokenUrl: tokenUrl(gcp.stsEndpoint), impersonationUrl, lifetimeSeconds: gcp.lifetimeSeconds, universe: gcp.universe, command }), OWN_FILE);
    return path;
  } catch (error) {
    try {
      removeOwnFolder(dir);
    } catch {
      // The first error says what went wrong; the post step or cleanup tries again.
    }
    throw error;
  }
}

/** The inputs the executable parses again: as given, with the rules file's path made absolute (it runs elsewhere). */
function pinnedInputs(given: Rerun['inputs'], gcp: GcpSettings): Record<string, string> {
  const inputs: Record<string, string> = {};
  for (const name of Object.keys(INPUTS) as InputName[]) inputs[name] = given[name] ?? '';
  const rulesFile = inputs['rules-file'];
  if (rulesFile) inputs['rules-file'] = isAbsolute(rulesFile) ? rulesFile : resolve(rulesFile);
  inputs['gcp-sts-endpoint'] = gcp.stsEndpoint;
  inputs['gcp-iam-credentials-endpoint'] = gcp.iamCredentialsEndpoint;
  return inputs;
}

/** Removes the folder, with the credentials file and the renewal config. */
export function undoGcp(record: GcpUndo): string {
  removeOwnFolder(record.dir);
  return `Removed the Google credentials file and its renewal config (${record.dir}).`;
}

/** A Google record read back from a state file nobody vouches for: its own fields only, of the right kinds. */
export function readGcpUndo(value: Readonly<Record<string, unknown>>): GcpUndo | undefined {
  if (value.kind !== 'credentials' || typeof value.name !== 'string' || !GCP_FOLDER_NAME.test(value.name) || typeof value.dir !== 'string') return undefined;
  return { cloud: 'gcp', kind: 'credentials', name: value.name, dir: value.dir };
}
