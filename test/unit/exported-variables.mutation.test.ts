// What a hand-over tells the job beside the variables it sets: which variables an earlier
// step left that it cleared, and which keys would shadow a profile it wrote. Every front door
// (action, orb, CLI) prints these notes; test/unit/hand-over.test.ts covers what is cleared.
import { describe, expect, it } from 'vitest';
import { clearedNote, credentialVariables, keysShadowingProfile, overriddenByKeysNote, overriddenProfileNote, profileHandover, profileVariables, setIn, shadowedProfileNote } from '../../src/core/aws/exported-variables.js';

describe('the variables set', () => {
  it('static credentials: the keys, the session token and the region twice', () => {
    expect(credentialVariables({ accessKeyId: 'ASIANEW', secretAccessKey: 's', sessionToken: 't' }, 'eu-west-1')).toEqual([
      ['AWS_ACCESS_KEY_ID', 'ASIANEW'],
      ['AWS_SECRET_ACCESS_KEY', 's'],
      ['AWS_SESSION_TOKEN', 't'],
      ['AWS_REGION', 'eu-west-1'],
      ['AWS_DEFAULT_REGION', 'eu-west-1'],
    ]);
  });

  it('a profile: its name, the region twice, and the JS SDK v2\'s switch to read the config file', () => {
    expect(profileVariables('ci', 'eu-west-1')).toEqual([['AWS_PROFILE', 'ci'], ['AWS_REGION', 'eu-west-1'], ['AWS_DEFAULT_REGION', 'eu-west-1'], ['AWS_SDK_LOAD_CONFIG', '1']]);
  });
});

describe('the keys that shadow a profile', () => {
  it('are the static keys set to something, in a fixed order', () => {
    expect(keysShadowingProfile(setIn({ AWS_SESSION_TOKEN: 't', AWS_PROFILE: 'p', AWS_ACCESS_KEY_ID: 'ASIAOLD', AWS_SECRET_ACCESS_KEY: '' }))).toEqual(['AWS_ACCESS_KEY_ID', 'AWS_SESSION_TOKEN']);
    expect(keysShadowingProfile(setIn({ AWS_PROFILE: 'p' }))).toEqual([]);
  });
});

describe('clearedNote', () => {
  const tail = 'which an earlier step or the job had set, for the steps that follow:';

  it('is empty when nothing was cleared', () => {
    expect(clearedNote([], 'unset')).toBe('');
    expect(clearedNote([], 'blank')).toBe('');
  });

  it('says an unset AWS_PROFILE would have won over the keys in the JS SDK', () => {
    expect(clearedNote(['AWS_PROFILE'], 'unset')).toBe(`Unset AWS_PROFILE, ${tail} the JS SDK would use that profile before the keys exported here.`);
  });

  it('says blanked keys would have won over the profile in boto3 and the AWS CLI, listing them', () => {
    expect(clearedNote(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'], 'blank')).toBe(
      `Cleared (set empty, which every client reads as unset) AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, ${tail} boto3 and the AWS CLI would use those keys before AWS_PROFILE.`,
    );
    expect(clearedNote(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'], 'unset')).toBe(
      `Unset AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, ${tail} boto3 and the AWS CLI would use those keys before AWS_PROFILE.`,
    );
  });
});

describe('shadowedProfileNote', () => {
  const select = 'before AWS_PROFILE: select profile ci with --profile ci (boto3: Session(profile_name=…)), which they honour first.';

  it('is empty when no key is set', () => {
    expect(shadowedProfileNote('ci', { AWS_ACCESS_KEY_ID: '', AWS_PROFILE: 'x', AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://127.0.0.1/x' })).toBe('');
  });

  it('names the keys set and how to select the profile anyway, in the singular or the plural', () => {
    expect(shadowedProfileNote('ci', { AWS_SESSION_TOKEN: 't' })).toBe(`AWS_SESSION_TOKEN is set in this job, and boto3 and the AWS CLI use it ${select}`);
    expect(shadowedProfileNote('ci', { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 's' })).toBe(`AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are set in this job, and boto3 and the AWS CLI use them ${select}`);
  });

  it('names AWS_DEFAULT_PROFILE (even empty) and a web identity role, which botocore reads first too', () => {
    expect(shadowedProfileNote('ci', { AWS_DEFAULT_PROFILE: '', AWS_ROLE_ARN: 'arn:aws:iam::1:role/pod', AWS_WEB_IDENTITY_TOKEN_FILE: '/t' })).toBe(
      `AWS_DEFAULT_PROFILE is set in this job, and boto3 and AWS CLI v1 read it before AWS_PROFILE; AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE are set in this job, and boto3 and the AWS CLI assume that web identity role before a profile AWS_PROFILE selects: select profile ci with --profile ci (boto3: Session(profile_name=…)), which they honour first.`,
    );
  });
});

describe('what takes a profile selected by AWS_PROFILE first', () => {
  it('clears keys, a web identity role and container credentials that are set, and overrides AWS_DEFAULT_PROFILE even when empty', () => {
    const env = { AWS_SECRET_ACCESS_KEY: 's', AWS_ROLE_ARN: 'arn', AWS_WEB_IDENTITY_TOKEN_FILE: '', AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/x', AWS_DEFAULT_PROFILE: '' };
    const handover = profileHandover('ci', 'us-east-1', env);
    expect(handover.clear).toEqual(['AWS_SECRET_ACCESS_KEY', 'AWS_ROLE_ARN', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI']);
    expect(handover.set.at(-1)).toEqual(['AWS_DEFAULT_PROFILE', 'ci']);
    expect(overriddenProfileNote(handover, env)).toBe('Set AWS_DEFAULT_PROFILE to ci as well, which the job had set to "": boto3 and AWS CLI v1 read it before AWS_PROFILE.');
    expect(profileHandover('ci', 'us-east-1', {}).set.map(([name]) => name)).toEqual(['AWS_PROFILE', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_SDK_LOAD_CONFIG']);
    expect(overriddenProfileNote(profileHandover('ci', 'us-east-1', {}), {})).toBe('');
  });

  it('says why each kind was cleared, one sentence per kind', () => {
    expect(clearedNote(['AWS_ROLE_ARN', 'AWS_CONTAINER_CREDENTIALS_FULL_URI'], 'unset')).toBe(
      'Unset AWS_ROLE_ARN, which an earlier step or the job had set, for the steps that follow: boto3 and the AWS CLI would assume that web identity role (as IRSA sets up on a Kubernetes pod) before the profile AWS_PROFILE selects. ' +
        "Unset AWS_CONTAINER_CREDENTIALS_FULL_URI, which an earlier step or the job had set, for the steps that follow: the JS SDK v2 would take the container's credentials before the profile's credential_process.",
    );
  });

  it('with keys exported, names what else is set, which every client takes the keys before', () => {
    expect(overriddenByKeysNote({ AWS_ROLE_ARN: 'arn', AWS_DEFAULT_PROFILE: 'p' })).toBe('AWS_ROLE_ARN and AWS_DEFAULT_PROFILE are set in this job; boto3, the AWS CLI and the JS SDK take the keys exported here before them.');
    expect(overriddenByKeysNote({ AWS_PROFILE: 'p' })).toBe('');
  });
});
