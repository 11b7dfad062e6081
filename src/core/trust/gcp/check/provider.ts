// A Workload Identity Federation provider as `gcloud iam workload-identity-pools providers
// describe --format json` prints it (and the REST API returns it): read strictly, so that a
// field of the wrong type, or an OIDC provider without an issuer, is refused with its name
// rather than read as something else. Fields the check does not judge are ignored; a SAML,
// AWS or X.509 provider is refused (it takes no OIDC tokens).
import { describeDuplicateKey, duplicateJsonKey } from '../../../text/duplicate-keys.js';

export interface GcpProvider {
  readonly name: string | undefined;
  readonly issuerUri: string;
  readonly allowedAudiences: readonly string[];
  readonly attributeMapping: Readonly<Record<string, string>>;
  readonly attributeCondition: string | undefined;
  readonly disabled: boolean;
  /** ACTIVE, DELETED, …; undefined when not printed. */
  readonly state: string | undefined;
}

export class ProviderFormatError extends Error {}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function optionalString(document: Record<string, unknown>, key: string): string | undefined {
  const value = document[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new ProviderFormatError(`${key} is not a string`);
  return value;
}

function stringMap(value: unknown, where: string): Record<string, string> {
  if (value === undefined) return {};
  if (!isObject(value)) throw new ProviderFormatError(`${where} is not an object`);
  for (const [key, item] of Object.entries(value)) if (typeof item !== 'string') throw new ProviderFormatError(`${where}.${key} is not a string`);
  return value as Record<string, string>;
}

function oidcOf(document: Record<string, unknown>): { issuerUri: string; allowedAudiences: string[] } {
  const oidc = document.oidc;
  if (!isObject(oidc)) {
    const other = ['saml', 'aws', 'x509'].find((kind) => document[kind] !== undefined);
    throw new ProviderFormatError(other ? `it is a ${other} provider, which takes no OIDC tokens` : 'it has no oidc block (issuerUri, allowedAudiences)');
  }
  const issuerUri = optionalString(oidc, 'issuerUri');
  if (!issuerUri) throw new ProviderFormatError('oidc.issuerUri is missing');
  const audiences = oidc.allowedAudiences ?? [];
  if (!Array.isArray(audiences) || audiences.some((item) => typeof item !== 'string')) throw new ProviderFormatError('oidc.allowedAudiences is not a list of strings');
  return { issuerUri, allowedAudiences: audiences as string[] };
}

/** The provider in the describe JSON text; a key written twice in one object is refused. */
export function parseProviderText(text: string): GcpProvider {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new ProviderFormatError(`it is not JSON (${(error as Error).message.split('\n')[0]})`);
  }
  const duplicate = duplicateJsonKey(text);
  if (duplicate) throw new ProviderFormatError(`${describeDuplicateKey(duplicate)} (JSON readers disagree on which value wins)`);
  if (!isObject(document)) throw new ProviderFormatError('it is not a JSON object');
  const disabled = document.disabled ?? false;
  if (typeof disabled !== 'boolean') throw new ProviderFormatError('disabled is not true or false');
  const attributeMapping = stringMap(document.attributeMapping, 'attributeMapping');
  return {
    name: optionalString(document, 'name'),
    ...oidcOf(document),
    attributeMapping,
    attributeCondition: optionalString(document, 'attributeCondition'),
    disabled,
    state: optionalString(document, 'state'),
  };
}
