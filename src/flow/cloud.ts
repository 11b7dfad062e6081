// What the flow knows of a cloud: a target that exchanges a checked token for a session, and
// a session that hands its credentials over in the place a front door gives it. Each cloud
// (src/clouds/<cloud>) implements these; the flow and the front doors call them without
// knowing which cloud they have.
import type { Clock } from '../core/retry.js';
import type { RunLabel } from '../core/report/run-label.js';
import type { CloudFacts } from '../core/report/report.js';
import type { ClaimRule, RuleResult } from '../core/rules/rules.js';
import type { VerifiedToken } from '../oidc/verify.js';

export type Claims = Readonly<Record<string, unknown>>;
export type Environment = Readonly<Record<string, string | undefined>>;

export interface Log {
  info(message: string): void;
  warning(message: string): void;
  debug(message: string): void;
}

/** A token that verified and met every rule, with the rules' results. */
export interface CheckedToken {
  readonly raw: string;
  readonly verified: VerifiedToken;
  readonly rules: readonly RuleResult[];
}

/** The token a cloud exchanges, and a fresh one when the cloud says it expired. */
export interface TokenSupply {
  current(): CheckedToken;
  /** Requests, verifies and checks a new token for the same audience. */
  renew(): Promise<CheckedToken>;
}

/** How the front door names the job's runs: session names, and the run in User-Agents. */
export interface JobNaming {
  readonly sessionName: (claims: Claims) => string;
  readonly runLabel: (claims: Claims) => RunLabel;
}

/** What the flow gives a cloud for its exchange. */
export interface ExchangeContext {
  readonly log: Log;
  /** Hides a secret from every later output; called the moment a secret exists. */
  readonly mask: (secret: string) => void;
  readonly clock: Clock;
  readonly naming: JobNaming;
}

export interface CloudTarget {
  /** The cloud's short name (aws, gcp, azure): records and messages. */
  readonly cloud: string;
  /** The audience of the tokens this cloud takes. */
  readonly audience: string;
  /** Checks that need no token (an account allow-list, say), before any is requested. */
  precheck(context: ExchangeContext): void;
  /** Starts what needs no token (loading a client library) while the token is on its way. */
  prepare(): void;
  exchange(tokens: TokenSupply, context: ExchangeContext): Promise<CloudSession>;
  /**
   * Throws the error its hand-over in `place` would meet (a file it cannot write, a name taken),
   * called by the front door before any token is requested; writes nothing.
   */
  checkHandOver?(place: HandOverPlace): void;
}

export interface CloudSession {
  readonly cloud: string;
  /** The token the session was made with (a fresh one, if the first had expired). */
  readonly token: CheckedToken;
  /** Rules this cloud's own choice added (a role map entry's), held by that token. */
  readonly rules: readonly RuleResult[];
  /** What the summary and the audit line say of the session. */
  readonly facts: CloudFacts;
  /** Where this cloud enforces a rule: the key its policy language checks, or undefined when it cannot. */
  enforces(rule: ClaimRule): string | undefined;
  /** Hands the credentials to later steps in the place given; throws before writing when it cannot. */
  handOver(place: HandOverPlace): HandOver;
}

/** How this bundle is started again: the node binary and the bundle's own path. */
export interface SelfCommand {
  readonly node: string;
  readonly script: string;
}

/**
 * How a later run of claimcheck gets a fresh token; each platform's bundle knows its own kind.
 * `job`: the CI job the renewal belongs to, when the front door binds it to one (the CLI on a
 * machine that runs many jobs), so that no later job is handed its credentials.
 */
export type TokenSpec = (
  | { readonly kind: 'github'; readonly url: string; readonly bearer: string }
  | { readonly kind: 'circleci' }
  | { readonly kind: 'command'; readonly command: string }
  | { readonly kind: 'file'; readonly path: string }
  /** GitHub's token endpoint, as ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN in the later process's own environment (every step of the job has them). */
  | { readonly kind: 'github-env' }
  /** A token in the later process's environment variable (the CLI's --token-env: GitLab's id_tokens, Bitbucket's step token). */
  | { readonly kind: 'env'; readonly variable: string }
) & { readonly job?: string };

/** Everything a later process needs to run claimcheck again for a fresh token or session. */
export interface Rerun {
  readonly self: SelfCommand;
  readonly token: TokenSpec;
  /** The step's inputs as given. */
  readonly inputs: Readonly<Record<string, string>>;
  /** The orb's launcher (its text), run instead of the bundle so its digest is checked again. */
  readonly launcher?: string | undefined;
}

/** A cloud's record of something it wrote for later steps, kept so that cleanup can undo it. */
export interface UndoRecord {
  readonly cloud: string;
  readonly [field: string]: unknown;
}

/** Where a front door lets a cloud hand its credentials over. */
export interface HandOverPlace {
  /** The environment later steps inherit now (an earlier step's exports included). */
  readonly env: Environment;
  readonly home: string;
  /** A folder path for this cloud's private files, named `name` where the platform keeps them; not created. */
  privateFolder(name: string): string;
  /** Keeps `undo` where the post step or cleanup finds it; called before what it undoes is written. */
  record(undo: UndoRecord): void;
  /** How later steps run claimcheck again; undefined where they cannot. */
  readonly rerun: Rerun | undefined;
  /** Whether the platform can unset a variable for later steps; GitHub can only set it empty. */
  readonly canUnset: boolean;
}

/** What a cloud gives later steps, beside the files it wrote: the front door applies it. */
export interface HandOver {
  readonly set: ReadonlyArray<readonly [string, string]>;
  /** Set now (by an earlier step or the job) and taken before `set` by some client. */
  readonly clear: readonly string[];
  /** Step outputs, where the platform has them; secret ones are masked already. */
  readonly outputs: ReadonlyArray<readonly [string, string]>;
  readonly notes: readonly string[];
  readonly warnings: readonly string[];
  /** The credentials as data (the CLI's --format json); undefined where a file holds them. */
  readonly data: Readonly<Record<string, string>> | undefined;
  /** Further documents the CLI can print by --format name (AWS's credential-process). */
  readonly formats?: Readonly<Record<string, string>>;
  /**
   * Names in `set` that cleanup leaves as they are where it cannot unset them and the job had
   * none before (a region: an empty one is an invalid one to clients, a set one harms nothing).
   */
  readonly keep?: readonly string[];
}
