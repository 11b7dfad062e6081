// `azure-cli-login`: the Azure CLI signed in as the app from the token file. `az` expands an
// argument `@<path>` into the file's content itself (every az command does), so the token is
// never on a command line that `ps` shows other users. The CLI then keeps that token in its
// own ~/.azure files, like azure/login: it gets access tokens with it for about an hour, and
// a longer job signs in again from the file (docs/azure.md). Cleanup signs the app out.
import { spawnSync } from 'node:child_process';
import type { AzureSettings } from '../../core/azure/settings.js';
import { ClaimcheckError } from '../../core/errors.js';

type Environment = Readonly<Record<string, string | undefined>>;

/** The Azure CLI's names of the sovereign clouds, by authority host. */
const CLOUDS: Readonly<Record<string, string>> = {
  'https://login.microsoftonline.com': 'AzureCloud',
  'https://login.microsoftonline.us': 'AzureUSGovernment',
  'https://login.chinacloudapi.cn': 'AzureChinaCloud',
};

function az(args: readonly string[], env: Environment): { ok: boolean; why: string } {
  const result = spawnSync('az', args, { env: env as NodeJS.ProcessEnv, timeout: 120_000, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1024 * 1024 });
  if (result.error) return { ok: false, why: (result.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'the az command was not found' : result.error.message };
  // az ends an error with advice ("Please run: az login"): its ERROR line says what happened.
  const lines = (result.stderr ?? '').split('\n').map((line) => line.trim()).filter((line) => line !== '');
  const said = lines.find((line) => line.startsWith('ERROR:')) ?? lines.at(-1) ?? '';
  return { ok: result.status === 0, why: `${said.slice(0, 400) || `exit ${result.status ?? result.signal}`}` };
}

/** The commands, in order, that sign the CLI in from the file (for tests and messages). */
export function loginCommands(azure: AzureSettings, tokenFile: string): string[][] {
  const cloud = CLOUDS[azure.authorityHost];
  return [
    ...(cloud === undefined || cloud === 'AzureCloud' ? [] : [['cloud', 'set', '--name', cloud]]),
    ['login', '--service-principal', '--username', azure.clientId, '--tenant', azure.tenantId, '--federated-token', `@${tokenFile}`, '--output', 'none', ...(azure.subscriptionId === undefined ? ['--allow-no-subscriptions'] : [])],
    ...(azure.subscriptionId === undefined ? [] : [['account', 'set', '--subscription', azure.subscriptionId]]),
  ];
}

export function azLogin(azure: AzureSettings, tokenFile: string, env: Environment): void {
  for (const args of loginCommands(azure, tokenFile)) {
    const { ok, why } = az(args, env);
    if (!ok) {
      throw new ClaimcheckError(
        'AZURE_CLI_LOGIN_FAILED',
        `The Azure CLI could not sign in as app ${azure.clientId} (az ${args.slice(0, 2).join(' ')}): ${why}`,
        'Entra ID already accepted this token, so the CLI is the problem: install it in the image (https://aka.ms/azure-cli), check that az --version runs, or set azure-cli-login to false and use the exported variables.',
      );
    }
  }
}

/** Signs the app out of the CLI; the message says what happened. */
export function azLogout(clientId: string, env: Environment): string {
  const { ok, why } = az(['logout', '--username', clientId], env);
  return ok ? `Signed app ${clientId} out of the Azure CLI.` : `The Azure CLI did not sign app ${clientId} out (${why}); it may not have been signed in.`;
}
