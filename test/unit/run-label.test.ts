// The run in the User-Agent of STS calls (CloudTrail's userAgent) for the CLI's platforms:
// ids only, from the token (or the step's environment where the token has none).
import { describe, expect, it } from 'vitest';
import { bitbucketRunLabel, buildkiteRunLabel, gitlabRunLabel } from '../../src/core/report/run-label.js';
import { cliRunLabel, PRESETS } from '../../src/platform/presets.js';

describe('run labels of the CLI platforms', () => {
  it('GitLab: pipeline and job from the token', () => {
    expect(gitlabRunLabel({ pipeline_id: '1519139981', job_id: '8222997048' })).toEqual([['gitlab.pipeline_id', '1519139981'], ['gitlab.job_id', '8222997048']]);
  });

  it('Buildkite: the build number (a JSON number) and the job', () => {
    expect(buildkiteRunLabel({ build_number: 42, job_id: '0184990a-477b-4fa8-9968-496074483cee' })).toEqual([['buildkite.build_number', '42'], ['buildkite.job_id', '0184990a-477b-4fa8-9968-496074483cee']]);
    expect(buildkiteRunLabel({ build_number: 4.5 })).toEqual([]);
    expect(buildkiteRunLabel({ build_number: -1 })).toEqual([]);
    expect(buildkiteRunLabel({ build_number: 0 })).toEqual([['buildkite.build_number', '0']]);
  });

  it('Bitbucket: the build number from the step, the pipeline and step without braces', () => {
    const claims = { pipelineUuid: '{7e6d5c4b-4444-4555-8666-777788889999}', stepUuid: '{5d6b0e4a-0000-4000-8000-000000000004}' };
    expect(bitbucketRunLabel(claims, { BITBUCKET_BUILD_NUMBER: '77' })).toEqual([
      ['bitbucket.build_number', '77'],
      ['bitbucket.pipeline_uuid', '7e6d5c4b-4444-4555-8666-777788889999'],
      ['bitbucket.step_uuid', '5d6b0e4a-0000-4000-8000-000000000004'],
    ]);
    expect(bitbucketRunLabel({ pipelineUuid: '{a}b}' }, {})).toEqual([]);
    // Only a whole {…} loses its braces; a brace elsewhere keeps the value out.
    expect(bitbucketRunLabel({ pipelineUuid: 'x{abc}', stepUuid: '{abc}x' }, {})).toEqual([]);
  });

  it('keeps out values that are not plainly ids: a claim is no place for free text in a User-Agent', () => {
    expect(gitlabRunLabel({ pipeline_id: '1 2', job_id: 'x\ny' })).toEqual([]);
    expect(bitbucketRunLabel({}, { BITBUCKET_BUILD_NUMBER: '7;rm' })).toEqual([]);
  });

  it('the CLI takes the preset when given, else the platform whose claims these are', () => {
    const gitlab = { project_path: 'acme/api', namespace_id: '1', pipeline_id: '9', job_id: '10', ref_type: 'branch', runner_id: 1 };
    expect(cliRunLabel(gitlab, {}, PRESETS.gitlab)).toEqual([['gitlab.pipeline_id', '9'], ['gitlab.job_id', '10']]);
    expect(cliRunLabel({ repository: 'acme/api', run_id: '4242', run_attempt: '1' }, {})).toEqual([['github.run_id', '4242'], ['github.run_attempt', '1']]);
    expect(cliRunLabel({ 'oidc.circleci.com/project-id': 'p' }, { CIRCLE_BUILD_NUM: '318' })).toEqual([['circleci.build_num', '318']]);
    expect(cliRunLabel({ sub: 'someone' }, { CIRCLE_BUILD_NUM: '318' })).toEqual([]);
  });
});
