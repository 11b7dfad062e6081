// A GitHub job's services for Azure, on loopback: the OIDC issuer and GitHub's token endpoint,
// an Entra ID double and an Azure Resource Manager double over HTTPS with certificates from a
// throwaway CA, and a proxy that routes login.microsoftonline.com and management.azure.com to
// them. Steps and clients then use Azure's real default endpoints, through https_proxy, and
// trust the CA the way each runtime reads it (NODE_EXTRA_CA_CERTS, REQUESTS_CA_BUNDLE).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach } from 'vitest';
import { startTokenEndpoint, type TokenEndpoint } from './github.ts';
import { startIssuer, type TestIssuer } from './issuer.ts';
import { startEntra, type EntraDouble, type FederatedCredentialSpec } from './entra.ts';
import { startResource, type ResourceDouble } from './azure-resource.ts';
import { startProxy, type TestProxy } from './proxy.ts';
import { makeTestCa, type TestCa } from './tls-ca.ts';

export const TENANT_ID = '72f988bf-0000-4000-8000-00000000a11e';
export const TENANT_DOMAIN = 'acme.onmicrosoft.com';
export const CLIENT_ID = '0b4c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d';
export const OBJECT_ID = '5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9';
export const SUBSCRIPTION_ID = '11112222-3333-4444-5555-666677778888';
export const ENTRA_AUDIENCE = 'api://AzureADTokenExchange';
export const ARM = 'https://management.azure.com';
/** ARM's older identifier, which the Azure CLI asks tokens for; ARM takes both. */
export const ARM_LEGACY = 'https://management.core.windows.net/';

export interface AzureWorld {
  readonly issuer: TestIssuer;
  readonly endpoint: TokenEndpoint;
  readonly ca: TestCa;
  readonly entra: EntraDouble;
  readonly resource: ResourceDouble;
  readonly proxy: TestProxy;
  /** The app's federated credentials: tests replace them. */
  credentials: FederatedCredentialSpec[];
  /** What a step (and the clients after it) need to reach the doubles as Azure. */
  readonly env: Record<string, string>;
  /** The step inputs that target the app. */
  readonly inputs: Record<string, string>;
  close(): Promise<void>;
}

export async function startAzureWorld(): Promise<AzureWorld> {
  const issuer = await startIssuer();
  const endpoint = await startTokenEndpoint(issuer);
  const ca = makeTestCa(['login.microsoftonline.com', 'management.azure.com']);
  const app = { clientId: CLIENT_ID, objectId: OBJECT_ID, tenantId: TENANT_ID, credentials: [githubCredential(issuer.url, 'repo:acme/api:ref:refs/heads/main')] };
  const entra = await startEntra({ tls: ca, tenants: [{ id: TENANT_ID, domains: [TENANT_DOMAIN] }], apps: [app], resources: [ARM, ARM_LEGACY], publicHost: 'login.microsoftonline.com' });
  const resource = await startResource({ tls: ca, resource: [ARM, ARM_LEGACY], jwks: entra.jwks, subscriptions: { [OBJECT_ID]: [SUBSCRIPTION_ID] } });
  const proxy = await startProxy({ 'login.microsoftonline.com': entra.port, 'management.azure.com': resource.port });
  return {
    issuer,
    endpoint,
    ca,
    entra,
    resource,
    proxy,
    get credentials() {
      return app.credentials;
    },
    set credentials(value) {
      app.credentials = value;
    },
    env: { https_proxy: proxy.origin, HTTPS_PROXY: proxy.origin, NODE_EXTRA_CA_CERTS: ca.caPath, REQUESTS_CA_BUNDLE: ca.caPath },
    inputs: { 'role-to-assume': '', 'aws-region': '', 'azure-client-id': CLIENT_ID, 'azure-tenant-id': TENANT_ID, issuer: issuer.url },
    async close() {
      await Promise.all([proxy.close(), resource.close(), entra.close(), endpoint.close()]);
      await issuer.close();
    },
  };
}

export function githubCredential(issuer: string, subject: string, audiences: string[] = [ENTRA_AUDIENCE]): FederatedCredentialSpec {
  return { issuer, subject, audiences };
}

/** Whether a process runs (a zombie, left for a parent that does not reap, counts as ended). */
export function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX] /s.test(stat);
  } catch {
    return false;
  }
}

/** Waits until `check` holds, polling; false when it never did within `ms`. */
export async function eventually(check: () => boolean, ms: number): Promise<boolean> {
  for (const started = Date.now(); Date.now() - started < ms; await new Promise((resolve) => setTimeout(resolve, 100))) {
    if (check()) return true;
  }
  return check();
}

/** The pids a test file's steps left refreshing token files (they outlive the step by design), stopped after each test. */
export function refreshersStoppedAfterEach(): number[] {
  const pids: number[] = [];
  afterEach(() => {
    for (const pid of pids.splice(0)) if (running(pid)) process.kill(pid);
  });
  return pids;
}

/** What the refresher keeping a token file fresh says of itself in its folder's refresher.json. */
export function refresherStatus(tokenFile: string): { pid: number; renewals: number; state: string } {
  return JSON.parse(readFileSync(join(dirname(tokenFile), 'refresher.json'), 'utf8')) as { pid: number; renewals: number; state: string };
}
