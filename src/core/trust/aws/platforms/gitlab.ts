// What people should hear about trusting GitLab projects. Every project on GitLab.com shares
// the issuer https://gitlab.com, so a policy must name the project. The subject is
// `project_path:GROUP/PROJECT:ref_type:branch|tag:ref:NAME`; a deleted project frees its path
// for whoever creates it next, while project_id never changes hands, and AWS checks it as
// gitlab.com:project_id. A job's environment is in neither, so AWS cannot check it.

/** Why a path alone is weak, for the warning printed when no --project-id is given. */
export function gitlabPathOnlyWarning(projectPath: string): string {
  return (
    `Warning: this policy trusts ${projectPath} by path only. A deleted or renamed project frees its path, and whoever creates a project ` +
    'there gets a policy written for yours. Pin the project by id: --project-id (the project\'s Settings > General, or ' +
    `curl -s https://gitlab.com/api/v4/projects/${encodeURIComponent(projectPath)} | jq .id).`
  );
}

/** A job's environment is not in GitLab's subject and AWS has no key for it. */
export function gitlabEnvironmentRefusal(): string {
  return (
    'AWS cannot check a GitLab job\'s environment: it is not in the subject, and gitlab.com has no environment condition key. ' +
    'Trust the protected branch that deploys (--branch main --protected), and check the environment with a rule (environment: production in a rules file, claimcheck only)'
  );
}
