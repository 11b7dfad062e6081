// The environment variables a successful run hands to later steps, in one place for every
// front door: static credentials, or the profile that renews its own.

/** What a run with static credentials exports, and a post step or cleanup blanks again. */
export const EXPORTED_VARIABLES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_REGION', 'AWS_DEFAULT_REGION'] as const;

/** What a run in refresh mode exports instead: the renewing profile and the region. */
export const PROFILE_VARIABLES = ['AWS_PROFILE', 'AWS_REGION', 'AWS_DEFAULT_REGION'] as const;

export interface StaticCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
}

/** EXPORTED_VARIABLES with their values. */
export function credentialVariables(credentials: StaticCredentials, region: string): Array<[string, string]> {
  const values = [credentials.accessKeyId, credentials.secretAccessKey, credentials.sessionToken, region, region];
  return EXPORTED_VARIABLES.map((name, index) => [name, values[index] ?? '']);
}

/** PROFILE_VARIABLES with their values. */
export function profileVariables(profile: string, region: string): Array<[string, string]> {
  const values = [profile, region, region];
  return PROFILE_VARIABLES.map((name, index) => [name, values[index] ?? '']);
}
