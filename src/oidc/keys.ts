// The issuer's signing keys: discovery document → jwks_uri → JWK set, fetched once per
// run and again only when asked (a token names a kid we do not have). Given the URL where
// the key set probably is, the first fetch asks for it alongside the discovery document (one
// round trip instead of two), and uses it only if the discovery document names that URL.
import type { JSONWebKeySet } from 'jose';
import { ClaimcheckError } from '../core/errors.js';
import { parseServiceUrl } from '../core/config/input-values.js';
import { getJsonRetrying, HttpFailure, type JsonGetter, type RetryContext } from '../net/http.js';

export interface KeySource {
  /** The issuer's keys; `refresh` refetches them (the discovery document stays cached). */
  keys(refresh: boolean): Promise<JSONWebKeySet>;
  /** Starts fetching the keys, for a later keys(false) to find them ready. */
  prefetch(): void;
  /** Where the keys come from, for messages. */
  readonly description: string;
}

/** Fetches and parses JSON, with retries (one attempt, silent, when `once`); throws a ClaimcheckError when it cannot. */
export type FetchJson = (url: string, what: string, options?: { readonly once?: boolean }) => Promise<unknown>;

export function issuerKeySource(issuer: string, fetchJson: FetchJson, predictedJwksUri?: string): KeySource {
  let jwksUri: Promise<string> | undefined;
  let cached: Promise<JSONWebKeySet> | undefined;
  const discover = async (): Promise<string> => {
    const url = `${issuer}/.well-known/openid-configuration`;
    const document = await fetchJson(url, 'the discovery document');
    return jwksUriOf(document, issuer, url);
  };
  const fetchKeys = async (uri: string): Promise<JSONWebKeySet> => keySetOf(await fetchJson(uri, 'the signing keys'), uri);
  /** The first load: the predicted key set on its way with the discovery document, used only if it names that URL. */
  const firstLoad = async (): Promise<JSONWebKeySet> => {
    const early = predictedJwksUri === undefined ? undefined : fetchJson(predictedJwksUri, 'the signing keys', { once: true });
    early?.catch(() => {}); // a wrong guess, or a failed try at the right one: not an error of its own
    jwksUri = discover();
    const uri = await jwksUri;
    if (early && uri === predictedJwksUri) {
      try {
        return keySetOf(await early, uri);
      } catch {
        // fetched again below, with retries and their messages
      }
    }
    return fetchKeys(uri);
  };
  const load = async (): Promise<JSONWebKeySet> => {
    if (!jwksUri) return firstLoad();
    return fetchKeys(await jwksUri);
  };
  return {
    description: `${issuer}/.well-known/openid-configuration`,
    keys(refresh) {
      if (refresh || !cached) {
        cached = load();
        // Fetched ahead (prefetch) and awaited later: a failure already spent its retries, so
        // it stands until a refresh; this handler only keeps it from counting as unhandled.
        cached.catch(() => {});
      }
      return cached;
    },
    prefetch() {
      this.keys(false).catch(() => {});
    },
  };
}

function unreachable(message: string, hint: string): ClaimcheckError {
  return new ClaimcheckError('ISSUER_UNREACHABLE', message, hint);
}

function jwksUriOf(document: unknown, issuer: string, url: string): string {
  const fields = (typeof document === 'object' && document !== null ? document : {}) as Record<string, unknown>;
  if (fields.issuer !== issuer) {
    throw unreachable(
      `The discovery document at ${url} names issuer ${JSON.stringify(fields.issuer)}, not ${issuer}.`,
      'Set the issuer input to the exact issuer URL (scheme, host, path, no trailing slash unless the issuer has one).',
    );
  }
  const uri = typeof fields.jwks_uri === 'string' ? parseServiceUrl(fields.jwks_uri) : undefined;
  if (!uri) {
    throw unreachable(`The discovery document at ${url} has no usable jwks_uri (https only).`, 'Check that the issuer input points at an OpenID Connect issuer.');
  }
  return uri;
}

function keySetOf(document: unknown, uri: string): JSONWebKeySet {
  const keys = (document as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0 || !keys.every((key) => typeof key === 'object' && key !== null)) {
    throw unreachable(`The key set at ${uri} holds no keys.`, 'Check that the issuer input points at an OpenID Connect issuer that publishes its signing keys.');
  }
  return { keys } as JSONWebKeySet;
}

/** FetchJson over HTTP with retries; a failure names what could not be fetched, and from where. */
export function issuerJsonFetcher(get: JsonGetter, retry: RetryContext): FetchJson {
  const once: RetryContext = { policy: { ...retry.policy, maxAttempts: 1 }, clock: retry.clock };
  return async (url, what, options) => {
    try {
      return await getJsonRetrying(get, url, {}, options?.once ? once : retry);
    } catch (error) {
      if (!(error instanceof HttpFailure)) throw error;
      throw unreachable(
        `Could not fetch ${what} from ${error.target}: ${error.reason}.`,
        "Check the issuer input, and that the runner can reach the issuer (on a self-hosted runner behind a proxy: https_proxy and no_proxy).",
      );
    }
  };
}
