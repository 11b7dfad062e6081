// How an Azure sign-in reaches later steps: the token in a private file outside the workspace
// (recorded for cleanup before it is written), kept fresh by a background refresher where the
// front door says how claimcheck runs again, and the variables azure-identity and Terraform's
// azurerm read; optionally the Azure CLI signed in from the same file.
import { isAbsolute, resolve } from 'node:path';
import { isGuid } from '../../core/azure/ids.js';
import type { AzureSettings } from '../../core/azure/settings.js';
import { azureVariables, leftoverIn, shadowingIn } from '../../core/azure/variables.js';
import type { HandOver, HandOverPlace } from '../../flow/cloud.js';
import { azLogin, azLogout } from './cli-login.js';
import type { AzureSignedIn } from './exchange.js';
import { tokenFileIn } from './refresher.js';
import { refresherInputs, startRefresher } from './refresher-start.js';
import { makeTokenFolder, readStatus, removeTokenFolder, TOKEN_FILE, writeIntoFolder } from './token-folder.js';

/** What Azure records: the token folder (its refresher stops when it is gone), and a CLI sign-in. */
export type AzureUndo =
  | { readonly cloud: 'azure'; readonly kind: 'token-file'; readonly clientId: string; readonly dir: string }
  | { readonly cloud: 'azure'; readonly kind: 'az-login'; readonly clientId: string };

/** A token that lives this long needs no renewing for most jobs (a GitLab job's token lives until its timeout). */
const LONG_ENOUGH_MS = 60 * 60_000;

/** The name of an app's token folder, where the front door keeps named private folders. */
export const tokenFolderName = (clientId: string) => `azure-${clientId}`;

export function handOverAzure(azure: AzureSettings, signedIn: AzureSignedIn, place: HandOverPlace): HandOver {
  const dir = place.privateFolder(tokenFolderName(azure.clientId));
  place.record({ cloud: 'azure', kind: 'token-file', clientId: azure.clientId, dir } satisfies AzureUndo);
  makeTokenFolder(dir);
  const file = tokenFileIn(dir);
  writeIntoFolder(dir, TOKEN_FILE, signedIn.token.raw);
  const notes = [`Wrote the token for Azure to ${file} (AZURE_FEDERATED_TOKEN_FILE, ARM_OIDC_TOKEN_FILE_PATH).`];
  const warnings: string[] = [];
  keepFresh(dir, signedIn, place, notes, warnings);
  if (azure.cliLogin) {
    place.record({ cloud: 'azure', kind: 'az-login', clientId: azure.clientId } satisfies AzureUndo);
    azLogin(azure, file, place.env);
    notes.push(`Signed the Azure CLI in as app ${azure.clientId}${azure.subscriptionId === undefined ? '' : ` with subscription ${azure.subscriptionId}`}.`);
  }
  const set = azureVariables(azure, file);
  const clear = [...shadowingIn(place.env), ...leftoverIn(set, place.env)];
  if (clear.length > 0) notes.push(`${place.canUnset ? 'Unset' : 'Blanked'} ${clear.join(', ')}, which would make Azure clients use another credential or subscription.`);
  const { entra } = signedIn;
  const expires = signedIn.token.verified.expiresAt.toISOString();
  const tenantId = entra.tenantId ?? (isGuid(azure.tenantId) ? azure.tenantId : '');
  return {
    set,
    clear,
    outputs: [
      ['azure-tenant-id', tenantId],
      ['azure-object-id', entra.objectId ?? ''],
      ['azure-federated-token-file', file],
    ],
    notes,
    warnings,
    data: {
      ClientId: azure.clientId,
      TenantId: tenantId || azure.tenantId,
      ...(azure.subscriptionId === undefined ? {} : { SubscriptionId: azure.subscriptionId }),
      AuthorityHost: azure.authorityHost,
      FederatedTokenFile: file,
      TokenExpiration: expires,
    },
  };
}

/** Starts the refresher where the front door says how claimcheck runs again; else says when the file expires. */
function keepFresh(dir: string, signedIn: AzureSignedIn, place: HandOverPlace, notes: string[], warnings: string[]): void {
  const expires = signedIn.token.verified.expiresAt.toISOString();
  // A variable holds the same token all job: no refresher could get a fresh one from it.
  if (place.rerun === undefined || place.rerun.token.kind === 'env') {
    // GitLab's ID tokens live as long as the job may: only a token that ends soon is worth a warning.
    const fixed = `Nothing here can get a fresh token (the CLI renews only from --token-command or --token-file), so the token file expires at ${expires}: Azure clients that need a new access token after that fail.`;
    (signedIn.token.verified.expiresAt.getTime() - Date.now() < LONG_ENOUGH_MS ? warnings : notes).push(fixed);
    return;
  }
  const { rerun } = place;
  const rulesFile = rerun.inputs['rules-file'];
  const inputs = refresherInputs(rerun.inputs, rulesFile ? (isAbsolute(rulesFile) ? rulesFile : resolve(rulesFile)) : undefined);
  const start = startRefresher(dir, rerun, signedIn.token, inputs);
  if (start.started) notes.push(`A background process (pid ${start.pid}) keeps the file fresh with a new token before each expires, until cleanup or the end of the job.`);
  else warnings.push(`The token file's refresher did not start (${start.why}): the file expires at ${expires}.`);
}

/** Undoes what an Azure record names; the message says what was removed. */
export function undoAzure(record: AzureUndo, env: Readonly<Record<string, string | undefined>>): string {
  if (record.kind === 'az-login') return azLogout(record.clientId, env);
  const status = readStatus(record.dir);
  removeTokenFolder(record.dir);
  const base = `Removed the Azure token file of app ${record.clientId}`;
  if (status === undefined) return `${base}.`;
  if (status.state === 'stopped') return `${base}. Warning: its refresher had stopped early (${status.stopped ?? 'no reason given'}; ${status.renewals} renewal(s), last error: ${status.lastError ?? 'none'}).`;
  return `${base}; its refresher (pid ${status.pid}) stops now, after ${status.renewals} renewal(s)${status.lastError === undefined ? '' : ` (last attempt failed: ${status.lastError})`}.`;
}

/** An Azure record read back from a state file nobody vouches for; a folder must be the one its app's name gives, where `folderOf` says. */
export function readAzureUndo(value: Readonly<Record<string, unknown>>, folderOf?: (name: string) => string): AzureUndo | undefined {
  const { clientId, kind, dir } = value;
  if (typeof clientId !== 'string' || !isGuid(clientId)) return undefined;
  if (kind === 'az-login') return { cloud: 'azure', kind, clientId };
  if (kind !== 'token-file' || typeof dir !== 'string' || !isAbsolute(dir)) return undefined;
  if (folderOf !== undefined && dir !== folderOf(tokenFolderName(clientId))) return undefined;
  return { cloud: 'azure', kind, clientId, dir };
}
