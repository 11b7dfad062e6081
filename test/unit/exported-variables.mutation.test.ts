// What a hand-over tells the job beside the variables it sets: which variables an earlier
// step left that it cleared, and which keys would shadow a profile it wrote. Every front door
// (action, orb, CLI) prints these notes; test/unit/hand-over.test.ts covers what is cleared.
import { describe, expect, it } from 'vitest';
import { clearedNote, credentialVariables, keysShadowingProfile, profileVariables, setIn, shadowedProfileNote } from '../../src/core/aws/exported-variables.js';

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

  it('a profile: its name and the region twice', () => {
    expect(profileVariables('ci', 'eu-west-1')).toEqual([['AWS_PROFILE', 'ci'], ['AWS_REGION', 'eu-west-1'], ['AWS_DEFAULT_REGION', 'eu-west-1']]);
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
    expect(shadowedProfileNote('ci', [])).toBe('');
  });

  it('names the keys set and how to select the profile anyway, in the singular or the plural', () => {
    expect(shadowedProfileNote('ci', ['AWS_SESSION_TOKEN'])).toBe(`AWS_SESSION_TOKEN is set in this job, and boto3 and the AWS CLI use it ${select}`);
    expect(shadowedProfileNote('ci', ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'])).toBe(`AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are set in this job, and boto3 and the AWS CLI use them ${select}`);
  });
});
