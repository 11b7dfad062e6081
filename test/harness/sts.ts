// An AWS STS double on loopback that speaks STS's Query/XML wire format (API 2011-06-15) and
// checks what the real service checks: the web identity token against the issuer's JWKS, the
// audience against the registered provider's client IDs, the role's trust policy, SigV4
// signatures on signed calls, and credential expiry. Tests can queue transport faults.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { compactVerify, createLocalJWKSet, decodeJwt, decodeProtectedHeader, errors } from 'jose';
import type { JSONWebKeySet, JWTPayload } from 'jose';
import { parseAuthorization, verifySigV4 } from './sigv4.ts';
import type { RawRequest } from './sigv4.ts';
import { later } from './issuer.ts';
import { attributeContext, chainedAttributes, extraActions, readAssumeRoleExtras } from './sts-session-attributes.ts';
import type { AssumeRoleExtras, SessionAttributes } from './sts-session-attributes.ts';
import { webIdentityContext } from './sts-context.ts';
import type { ConditionKeyFamily } from './sts-context.ts';
import { evaluateTrustPolicy } from './trust-policy.ts';
import type { TrustRequest } from './trust-policy.ts';

export type { ConditionKeyFamily } from './sts-context.ts';

export interface StsProvider {
  /** Issuer URL exactly as in the tokens' `iss`; discovery is fetched from it. */
  issuer: string;
  /** The provider's audiences ("client IDs"); a token's `aud` must be one of them. */
  clientIds: string[];
  /** Account the IAM OIDC provider lives in. Default '111122223333'. */
  accountId?: string;
  /**
   * Whose provider-specific claims STS evaluates as `<issuer host>:<claim>` condition keys
   * (see PROVIDER_CLAIM_KEYS). Default none: only `<issuer host>:sub` and `:aud`.
   */
  conditionKeys?: ConditionKeyFamily;
}

export interface StsRole {
  arn: string;
  trustPolicy: object;
  /** Seconds; default 3600 as for a new IAM role. */
  maxSessionDuration?: number;
}

export interface StsOptions {
  providers: StsProvider[];
  roles: StsRole[];
  /** When set, issued credentials expire after this many seconds regardless of DurationSeconds. */
  credentialLifetimeSeconds?: number;
  /** ms clock, default Date.now. Governs token expiry, credential expiry and SigV4 skew. */
  now?: () => number;
  /** Delay before each answer, as a network round trip would add (the bench's --latency). */
  latencyMs?: number;
}

export interface StsCall {
  action: string;
  params: Record<string, string>;
  /** HTTP status sent; 0 when no response was sent (reset, hang). */
  status: number;
  errorCode?: string;
  /** Access key id of a signed call whose signature verified. */
  signedBy?: string;
  /** Why the double refused, beyond what AWS says (e.g. the trust-policy evaluator's reason). */
  detail?: string;
  /** The User-Agent header, as CloudTrail records it (userAgent). */
  userAgent?: string;
  /** The request ID answered (x-amzn-RequestId), as CloudTrail records it (requestID). */
  requestId?: string;
}

export type StsFault =
  | { kind: 'status'; status: number; code: string; message?: string; type?: 'Sender' | 'Receiver' }
  | { kind: 'throttle' }
  | { kind: 'idp-communication' }
  | { kind: 'reset' }
  | { kind: 'hang' }
  | { kind: 'slow-body'; ms: number }
  | { kind: 'trickle' }
  | { kind: 'truncated' }
  | { kind: 'wrong-content-type' };

export interface IssuedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
  roleArn: string;
  sessionName: string;
  /** The session's source identity: from the token, set by AssumeRole, or carried on from the caller. */
  sourceIdentity?: string;
  /** Session tags, inherited transitive ones included, by key as written. */
  sessionTags: Record<string, string>;
  /** Keys of the tags that pass on to a session this one assumes. */
  transitiveTagKeys: string[];
  /** The session policies that narrowed it, as sent. */
  policy?: string;
  policyArns: string[];
}

export interface StsDouble {
  url: string;
  calls: StsCall[];
  /** Each incoming request (any action) consumes the first fault, if any. */
  faults: StsFault[];
  issued: IssuedCredentials[];
  setRoles(roles: StsRole[]): void;
  close(): Promise<void>;
}

export async function startSts(options: StsOptions): Promise<StsDouble> {
  const state: StsState = {
    options,
    now: options.now ?? Date.now,
    roles: [...options.roles],
    sessions: new Map(),
    calls: [],
    faults: [],
    issued: [],
  };
  const server = await serve(state);
  return {
    url: server.url,
    calls: state.calls,
    faults: state.faults,
    issued: state.issued,
    setRoles(next) {
      state.roles = [...next];
    },
    close: server.close,
  };
}

/** Everything the double knows; the action handlers read it and add to it. */
interface StsState {
  readonly options: StsOptions;
  /** options.now or Date.now, in ms. */
  readonly now: () => number;
  /** Replaced wholesale by setRoles. */
  roles: StsRole[];
  /** Every session issued, by its access key id, so signed calls can be verified. */
  readonly sessions: Map<string, Session>;
  readonly calls: StsCall[];
  readonly faults: StsFault[];
  readonly issued: IssuedCredentials[];
}

/** What the double knows about a session it issued (more than the public `issued` record). */
interface Session {
  credentials: IssuedCredentials;
  role: ParsedRoleArn;
  assumedRoleArn: string;
  assumedRoleId: string;
  attributes: SessionAttributes;
}

// --- HTTP ----------------------------------------------------------------------------------------

/** Listens on an ephemeral loopback port. */
async function serve(state: StsState): Promise<{ url: string; close: () => Promise<void> }> {
  // Tracked so close() ends keep-alive connections and pending slow bodies instead of waiting.
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((req, res) => {
    later(state.options.latencyMs, () => {
      handle(state, timers, req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end(String(error));
      });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = async () => {
    for (const timer of timers) clearTimeout(timer);
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { url: `http://127.0.0.1:${port}`, close };
}

/** Records the call, lets the next queued fault take it over, else dispatches and delivers. */
async function handle(state: StsState, timers: Set<NodeJS.Timeout>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req);
  const url = new URL(req.url ?? '/', 'http://sts.invalid');
  const params = requestParams(req, url, body);
  const call: StsCall = { action: params.Action ?? '', params, status: 0 };
  const userAgent = req.headers['user-agent'];
  if (userAgent !== undefined) call.userAgent = userAgent;
  state.calls.push(call);
  const fault = state.faults.shift();
  if (fault && replaceWithFault(fault, req, res, call, timers)) return;

  const raw: RawRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.search.slice(1), headers: rawHeaders(req), body };
  const reply = await dispatch(state, params, raw);
  recordReply(call, reply);
  deliver(res, reply, fault, timers);
}

function recordReply(call: StsCall, reply: Reply): void {
  call.status = reply.status;
  call.requestId = reply.requestId;
  if (reply.errorCode !== undefined) call.errorCode = reply.errorCode;
  if (reply.signedBy !== undefined) call.signedBy = reply.signedBy;
  if (reply.detail !== undefined) call.detail = reply.detail;
}

// --- Dispatch ------------------------------------------------------------------------------------

const API_VERSION = '2011-06-15';

/** The Result element's inner XML, and the access key id of a signed call that verified. */
interface ActionResult {
  result: string;
  signedBy?: string;
}

type Action = (state: StsState, params: Record<string, string>, raw: RawRequest) => Promise<ActionResult>;

const ACTIONS: Record<string, Action> = {
  AssumeRoleWithWebIdentity: assumeRoleWithWebIdentity,
  GetCallerIdentity: getCallerIdentity,
  AssumeRole: assumeRole,
};

/** A reply ready to send, plus what `calls` records about it. */
interface Reply {
  status: number;
  body: string;
  requestId: string;
  errorCode?: string;
  signedBy?: string;
  detail?: string;
}

/** Runs the action the Query parameters name; any failure becomes an AWS error reply. */
async function dispatch(state: StsState, params: Record<string, string>, raw: RawRequest): Promise<Reply> {
  const requestId = randomUUID();
  const action = params.Action ?? '';
  try {
    const run = params.Version === API_VERSION ? (Object.hasOwn(ACTIONS, action) ? ACTIONS[action] : undefined) : undefined;
    if (!run) {
      const version = params.Version ?? 'NO_VERSION_SPECIFIED';
      throw new StsError(400, 'InvalidAction', `Could not find operation ${action} for version ${version}`);
    }
    const { result, signedBy } = await run(state, params, raw);
    const body = successXml(action, result, requestId);
    return { status: 200, body, requestId, ...(signedBy === undefined ? {} : { signedBy }) };
  } catch (error) {
    return errorReply(error, requestId);
  }
}

/** Errors the double did not anticipate are the service's fault: 500 InternalFailure. */
function errorReply(error: unknown, requestId: string): Reply {
  const e = error instanceof StsError ? error : new StsError(500, 'InternalFailure', String(error));
  const reply: Reply = { status: e.status, body: errorXml(e, requestId), requestId, errorCode: e.code };
  if (e.detail !== undefined) reply.detail = e.detail;
  return reply;
}

class StsError extends Error {
  readonly status: number;
  readonly code: string;
  readonly type: 'Sender' | 'Receiver';
  /** Why the double refused, beyond what AWS says; recorded in `calls`, never sent. */
  readonly detail: string | undefined;

  constructor(status: number, code: string, message: string, type?: 'Sender' | 'Receiver', detail?: string) {
    super(message);
    this.status = status;
    this.code = code;
    this.type = type ?? (status >= 500 ? 'Receiver' : 'Sender');
    this.detail = detail;
  }
}

// --- Actions -------------------------------------------------------------------------------------

const DEFAULT_ACCOUNT = '111122223333';

async function assumeRoleWithWebIdentity(state: StsState, params: Record<string, string>): Promise<ActionResult> {
  const request = validateAssumeParams(params, true);
  const token = params.WebIdentityToken ?? '';
  const { claims, provider, host } = await verifyWebIdentityToken(token, state.options.providers, state.now());
  const role = parseRoleArn(request.roleArn);
  const providerArn = `arn:${role?.partition ?? 'aws'}:iam::${provider.accountId ?? DEFAULT_ACCOUNT}:oidc-provider/${host}`;
  const trust: TrustRequest = {
    action: 'sts:AssumeRoleWithWebIdentity',
    principal: { kind: 'Federated', arn: providerArn },
    context: webIdentityContext(host, claims, request.sessionName, provider.conditionKeys),
  };
  const trusted = requireTrust(state, request.roleArn, role, trust, 'Not authorized to perform sts:AssumeRoleWithWebIdentity');
  // A token that sets a source identity needs sts:SetSourceIdentity too (the message is the double's).
  const sourceIdentity = stringClaim(claims, SOURCE_IDENTITY_CLAIM);
  if (sourceIdentity !== undefined) requireTrust(state, request.roleArn, role, { ...trust, action: 'sts:SetSourceIdentity' }, 'Not authorized to perform sts:SetSourceIdentity');
  checkMaxSessionDuration(request.durationSeconds, trusted.config);
  const attributes: SessionAttributes = { tags: [], transitiveTagKeys: [], ...(sourceIdentity === undefined ? {} : { sourceIdentity }) };
  const session = issue(state, trusted.role, request, attributes, sessionPolicies(params));
  const audience = audiences(claims).find((a) => provider.clientIds.includes(a)) ?? '';
  return {
    result: xmlFields([
      ['Credentials', credentialsXml(session.credentials)],
      ['SubjectFromWebIdentityToken', escapeXml(String(claims.sub ?? ''))],
      ['AssumedRoleUser', assumedRoleUserXml(session)],
      ...packedPolicySize(params),
      ['Provider', escapeXml(providerArn)],
      ['Audience', escapeXml(audience)],
      ...optionalField('SourceIdentity', sourceIdentity),
    ]),
  };
}

function sessionPolicies(params: Record<string, string>): Pick<AssumeRoleExtras, 'policy' | 'policyArns'> {
  const policyArns = Object.keys(params).filter((k) => /^PolicyArns\.member\.\d+\.arn$/.test(k)).map((k) => params[k] ?? '');
  return { ...(params.Policy === undefined ? {} : { policy: params.Policy }), policyArns };
}

async function getCallerIdentity(state: StsState, _params: Record<string, string>, raw: RawRequest): Promise<ActionResult> {
  const caller = authenticate(state, raw);
  return {
    signedBy: caller.credentials.accessKeyId,
    result: xmlFields([
      ['Arn', escapeXml(caller.assumedRoleArn)],
      ['UserId', escapeXml(caller.assumedRoleId)],
      ['Account', caller.role.accountId],
    ]),
  };
}

async function assumeRole(state: StsState, params: Record<string, string>, raw: RawRequest): Promise<ActionResult> {
  const caller = authenticate(state, raw);
  const request = validateAssumeParams(params, false);
  const extras = request.extras;
  const next = chainedAttributes(caller.attributes, extras);
  if ('code' in next) throw new StsError(next.status, next.code, next.message);
  const trust: TrustRequest = {
    action: 'sts:AssumeRole',
    principal: { kind: 'AWS', roleArn: caller.role.arn, sessionArn: caller.assumedRoleArn, accountId: caller.role.accountId, partition: caller.role.partition },
    context: {
      'aws:PrincipalArn': caller.role.arn,
      'aws:PrincipalAccount': caller.role.accountId,
      'sts:RoleSessionName': request.sessionName,
      ...attributeContext(caller.attributes, extras, next),
    },
  };
  const denied = (action: string) => `User: ${caller.assumedRoleArn} is not authorized to perform: ${action} on resource: ${request.roleArn}`;
  const trusted = requireTrust(state, request.roleArn, parseRoleArn(request.roleArn), trust, denied('sts:AssumeRole'));
  // Tags (set here or passed on as transitive) and a source identity need their own permission-only actions.
  for (const action of extraActions(next)) requireTrust(state, request.roleArn, trusted.role, { ...trust, action }, denied(action));
  // The caller is itself a role session, so this is role chaining: at most one hour.
  if (request.durationSeconds > 3600) {
    throw new StsError(400, 'ValidationError', 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');
  }
  checkMaxSessionDuration(request.durationSeconds, trusted.config);
  const session = issue(state, trusted.role, request, next, extras);
  return {
    signedBy: caller.credentials.accessKeyId,
    result: xmlFields([
      ['Credentials', credentialsXml(session.credentials)],
      ['AssumedRoleUser', assumedRoleUserXml(session)],
      ...packedPolicySize(params),
      ...optionalField('SourceIdentity', session.attributes.sourceIdentity),
    ]),
  };
}

// --- Roles and sessions --------------------------------------------------------------------------

/** The role, if it exists and its trust policy admits `trust`; AccessDenied otherwise. */
function requireTrust(
  state: StsState,
  roleArn: string,
  role: ParsedRoleArn | undefined,
  trust: TrustRequest,
  deniedMessage: string,
): { role: ParsedRoleArn; config: StsRole } {
  const config = role && state.roles.find((r) => r.arn === role.arn);
  const decision = config && evaluateTrustPolicy(config.trustPolicy, trust);
  if (!role || !config || !decision?.allowed) {
    throw new StsError(403, 'AccessDenied', deniedMessage, 'Sender', decision?.reason ?? `no role ${roleArn}`);
  }
  return { role, config };
}

/** Mints credentials for a new role session and remembers the session for signed calls. */
function issue(state: StsState, role: ParsedRoleArn, request: AssumeRequest, attributes: SessionAttributes, policies: Pick<AssumeRoleExtras, 'policy' | 'policyArns'>): Session {
  const { sessionName } = request;
  const lifetime = state.options.credentialLifetimeSeconds ?? request.durationSeconds;
  const credentials: IssuedCredentials = {
    accessKeyId: `ASIA${base32(randomBytes(10)).slice(0, 16)}`,
    secretAccessKey: randomBytes(30).toString('base64'),
    sessionToken: `IQoJb3JpZ2luX2Vj${randomBytes(600).toString('base64')}`,
    expiration: new Date(Math.floor(state.now() / 1000 + lifetime) * 1000),
    roleArn: role.arn,
    sessionName,
    ...(attributes.sourceIdentity === undefined ? {} : { sourceIdentity: attributes.sourceIdentity }),
    sessionTags: Object.fromEntries(attributes.tags.map((tag) => [tag.key, tag.value])),
    transitiveTagKeys: attributes.transitiveTagKeys,
    ...(policies.policy === undefined ? {} : { policy: policies.policy }),
    policyArns: policies.policyArns,
  };
  const session: Session = {
    credentials,
    role,
    assumedRoleArn: `arn:${role.partition}:sts::${role.accountId}:assumed-role/${role.name}/${sessionName}`,
    assumedRoleId: `${roleId(role.arn)}:${sessionName}`,
    attributes,
  };
  state.issued.push(credentials);
  state.sessions.set(credentials.accessKeyId, session);
  return session;
}

/** The session that signed `raw`, or the error STS gives for a bad, expired or unsigned call. */
function authenticate(state: StsState, raw: RawRequest): Session {
  const header = firstHeader(raw.headers, 'authorization');
  const parsed = header === undefined ? undefined : parseAuthorization(header);
  const session = parsed && typeof parsed !== 'string' ? state.sessions.get(parsed.accessKeyId) : undefined;
  // Like STS, the session token is unwrapped (and its expiry checked) before the signature.
  if (session) checkSessionToken(session, raw, state.now());
  const verdict = verifySigV4(raw, {
    lookupSecret: (id) => state.sessions.get(id)?.credentials.secretAccessKey,
    now: state.now(),
  });
  if (!verdict.ok) throw new StsError(verdict.status, verdict.code, verdict.message);
  const signer = state.sessions.get(verdict.accessKeyId);
  if (!signer) throw new StsError(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
  return signer;
}

function checkSessionToken(session: Session, raw: RawRequest, nowMs: number): void {
  if (firstHeader(raw.headers, 'x-amz-security-token') !== session.credentials.sessionToken) {
    throw new StsError(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
  }
  if (session.credentials.expiration.getTime() <= nowMs) {
    throw new StsError(403, 'ExpiredToken', 'The security token included in the request is expired');
  }
}

// --- Faults and delivery -------------------------------------------------------------------------

/** Faults that replace the response entirely. Returns false for faults applied at delivery. */
function replaceWithFault(fault: StsFault, req: IncomingMessage, res: ServerResponse, call: StsCall, timers: Set<NodeJS.Timeout>): boolean {
  switch (fault.kind) {
    case 'status':
    case 'throttle':
    case 'idp-communication':
      sendFaultError(res, call, faultError(fault));
      return true;
    case 'reset':
      req.socket.destroy();
      return true;
    case 'hang':
      return true;
    case 'trickle': {
      // A byte a second, never done: a socket idle timeout never fires, only a deadline helps.
      call.status = 200;
      res.writeHead(200, { 'Content-Type': 'text/xml', 'x-amzn-RequestId': randomUUID() });
      const timer = setInterval(() => res.write(' '), 1000);
      timers.add(timer);
      res.on('close', () => {
        clearInterval(timer);
        timers.delete(timer);
      });
      return true;
    }
    case 'wrong-content-type':
      call.status = 200;
      sendLoginPage(res);
      return true;
    case 'slow-body':
    case 'truncated':
      return false;
  }
}

type ErrorFault = Extract<StsFault, { kind: 'status' | 'throttle' | 'idp-communication' }>;

function faultError(fault: ErrorFault): StsError {
  switch (fault.kind) {
    case 'status':
      return new StsError(fault.status, fault.code, fault.message ?? fault.code, fault.type);
    case 'throttle':
      return new StsError(400, 'Throttling', 'Rate exceeded');
    case 'idp-communication':
      return new StsError(
        400,
        'IDPCommunicationError',
        'The request could not be fulfilled because the identity provider (IDP) that was asked to verify the incoming identity token could not be reached.',
      );
  }
}

function sendFaultError(res: ServerResponse, call: StsCall, error: StsError): void {
  const requestId = randomUUID();
  call.status = error.status;
  call.errorCode = error.code;
  sendXml(res, error.status, errorXml(error, requestId), requestId);
}

/** What a captive portal or proxy answers in place of STS. */
function sendLoginPage(res: ServerResponse): void {
  const html = '<!DOCTYPE html>\n<html><head><title>Network Login</title></head><body><h1>Please sign in to continue</h1></body></html>\n';
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(html) });
  res.end(html);
}

/** Sends the reply, or breaks its delivery as a `slow-body` / `truncated` fault asks. */
function deliver(res: ServerResponse, reply: Reply, fault: StsFault | undefined, timers: Set<NodeJS.Timeout>): void {
  if (fault?.kind !== 'slow-body' && fault?.kind !== 'truncated') {
    sendXml(res, reply.status, reply.body, reply.requestId);
    return;
  }
  const bytes = Buffer.from(reply.body, 'utf8');
  const half = Math.floor(bytes.length / 2);
  writeXmlHead(res, reply.status, bytes.length, reply.requestId);
  if (fault.kind === 'truncated') {
    res.write(bytes.subarray(0, half), () => res.socket?.destroy());
    return;
  }
  res.write(bytes.subarray(0, half));
  const timer = setTimeout(() => {
    timers.delete(timer);
    res.end(bytes.subarray(half));
  }, fault.ms);
  timers.add(timer);
}

function sendXml(res: ServerResponse, status: number, body: string, requestId: string): void {
  writeXmlHead(res, status, Buffer.byteLength(body), requestId);
  res.end(body);
}

function writeXmlHead(res: ServerResponse, status: number, length: number, requestId: string): void {
  res.writeHead(status, { 'x-amzn-RequestId': requestId, 'Content-Type': 'text/xml', 'Content-Length': length });
}

// --- Request parsing -----------------------------------------------------------------------------

const MAX_BODY_BYTES = 1 << 20;

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Query parameters, then (for form posts) body parameters, as the Query protocol allows both. */
function requestParams(req: IncomingMessage, url: URL, body: Buffer): Record<string, string> {
  const params: Record<string, string> = Object.fromEntries(url.searchParams);
  const type = req.headers['content-type'] ?? '';
  if (type.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    Object.assign(params, Object.fromEntries(new URLSearchParams(body.toString('utf8'))));
  }
  return params;
}

/** Headers from rawHeaders, so repeated headers keep their separate values for SigV4. */
function rawHeaders(req: IncomingMessage): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = (req.rawHeaders[i] ?? '').toLowerCase();
    (out[name] ??= []).push(req.rawHeaders[i + 1] ?? '');
  }
  return out;
}

function firstHeader(headers: RawRequest['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

// --- Validation (Coral-style ValidationError messages) ---------------------------------------------

const SESSION_NAME_PATTERN = '[\\w+=,.@-]*';

interface AssumeRequest {
  roleArn: string;
  sessionName: string;
  durationSeconds: number;
  /** AssumeRole's optional parameters (none for AssumeRoleWithWebIdentity, which takes tags only from the token). */
  extras: AssumeRoleExtras;
}

function validateAssumeParams(params: Record<string, string>, webIdentity: boolean): AssumeRequest {
  const problems: string[] = [];
  const extras: AssumeRoleExtras = webIdentity ? { tags: [], transitiveTagKeys: [], policyArns: [] } : readAssumeRoleExtras(params, problems, checkString);
  checkString(problems, 'roleArn', params.RoleArn, 20, 2048);
  checkString(problems, 'roleSessionName', params.RoleSessionName, 2, 64, SESSION_NAME_PATTERN);
  if (webIdentity) checkString(problems, 'webIdentityToken', params.WebIdentityToken, 4, 20000, undefined, true);
  const durationSeconds = checkDuration(problems, params.DurationSeconds);
  if (params.Policy !== undefined) {
    checkString(problems, 'policy', params.Policy, 1, 2048, '[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+');
  }
  const policyArns = Object.keys(params).filter((k) => /^PolicyArns\.member\.\d+\.arn$/.test(k));
  if (policyArns.length > 10) {
    problems.push(`Value '[${policyArns.map((k) => params[k]).join(', ')}]' at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to 10`);
  }
  if (problems.length > 0) {
    const count = problems.length === 1 ? '1 validation error' : `${problems.length} validation errors`;
    throw new StsError(400, 'ValidationError', `${count} detected: ${problems.join('; ')}`);
  }
  if (params.Policy !== undefined && !isJson(params.Policy)) {
    throw new StsError(400, 'MalformedPolicyDocument', 'The policy is not in the valid JSON format.');
  }
  return { roleArn: params.RoleArn ?? '', sessionName: params.RoleSessionName ?? '', durationSeconds, extras };
}

function checkString(
  problems: string[],
  field: string,
  value: string | undefined,
  min: number,
  max: number,
  pattern?: string,
  sensitive = false,
): void {
  if (value === undefined) {
    problems.push(`Value null at '${field}' failed to satisfy constraint: Member must not be null`);
    return;
  }
  const shown = sensitive ? 'Value' : `Value '${value}'`;
  const at = `${shown} at '${field}' failed to satisfy constraint:`;
  if (pattern && !new RegExp(`^${pattern}$`, 'u').test(value)) {
    problems.push(`${at} Member must satisfy regular expression pattern: ${pattern}`);
  }
  if (value.length < min) problems.push(`${at} Member must have length greater than or equal to ${min}`);
  if (value.length > max) problems.push(`${at} Member must have length less than or equal to ${max}`);
}

function checkDuration(problems: string[], raw: string | undefined): number {
  if (raw === undefined) return 3600;
  const at = `Value '${raw}' at 'durationSeconds' failed to satisfy constraint:`;
  if (!/^-?\d+$/.test(raw)) {
    problems.push(`${at} Member must be an integer`);
    return 3600;
  }
  const value = Number(raw);
  if (value < 900) problems.push(`${at} Member must have value greater than or equal to 900`);
  if (value > 43200) problems.push(`${at} Member must have value less than or equal to 43200`);
  return value;
}

function checkMaxSessionDuration(durationSeconds: number, role: StsRole): void {
  if (durationSeconds > (role.maxSessionDuration ?? 3600)) {
    throw new StsError(400, 'ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
  }
}

// --- Web identity token ----------------------------------------------------------------------------

/** The documented token algorithms: RSA (RS256/384/512) or ECDSA (ES256/384/512). */
const TOKEN_ALGS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512'];
const SOURCE_IDENTITY_CLAIM = 'https://aws.amazon.com/source_identity';
const NO_VERIFICATION_KEY =
  "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements";

async function verifyWebIdentityToken(
  token: string,
  providers: StsProvider[],
  nowMs: number,
): Promise<{ claims: JWTPayload; provider: StsProvider; host: string }> {
  const invalid = (message: string) => new StsError(400, 'InvalidIdentityToken', message);
  let claims: JWTPayload;
  let alg: string | undefined;
  try {
    claims = decodeJwt(token);
    alg = decodeProtectedHeader(token).alg;
  } catch {
    throw invalid('The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)');
  }
  const iss = typeof claims.iss === 'string' ? claims.iss : '';
  const provider = providers.find((p) => issuerHost(p.issuer) === issuerHost(iss));
  if (!iss || !provider) throw invalid(`No OpenIDConnect provider found in your account for ${iss}`);
  if (!alg || !TOKEN_ALGS.includes(alg)) throw invalid(`The ID Token provided is signed with an unsupported algorithm: ${alg ?? 'none'}`);

  const jwks = await fetchJwks(provider.issuer);
  if (!jwks) throw invalid(NO_VERIFICATION_KEY);
  try {
    await compactVerify(token, createLocalJWKSet(jwks), { algorithms: TOKEN_ALGS });
  } catch (error) {
    if (error instanceof errors.JWKSNoMatchingKey) throw invalid(NO_VERIFICATION_KEY);
    throw invalid('The ID Token provided could not be verified: invalid signature.');
  }
  if (!audiences(claims).some((a) => provider.clientIds.includes(a))) throw invalid('Incorrect token audience');
  if (typeof claims.exp !== 'number') throw invalid("The ID Token provided is missing the 'exp' claim.");
  const nowSeconds = Math.floor(nowMs / 1000);
  if (claims.exp <= nowSeconds) {
    throw new StsError(
      400,
      'ExpiredTokenException',
      `Token expired: current date/time ${nowSeconds} must be before the expiration date/time ${claims.exp}`,
    );
  }
  return { claims, provider, host: issuerHost(provider.issuer) };
}

/** Discovery → jwks_uri → JWKS, fresh on every call (so key rotation is seen at once). */
async function fetchJwks(issuer: string): Promise<JSONWebKeySet | undefined> {
  try {
    const discovery = await fetchJson(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`);
    const jwksUri = (discovery as { jwks_uri?: unknown }).jwks_uri;
    if (typeof jwksUri !== 'string') return undefined;
    const jwks = await fetchJson(jwksUri);
    return Array.isArray((jwks as { keys?: unknown }).keys) ? (jwks as JSONWebKeySet) : undefined;
  } catch {
    return undefined;
  }
}

async function fetchJson(url: string): Promise<unknown> {
  // STS gives up on an identity provider after about 5 seconds.
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}


function audiences(claims: JWTPayload): string[] {
  const aud = claims.aud;
  if (typeof aud === 'string') return [aud];
  return Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : [];
}

function stringClaim(claims: JWTPayload, name: string): string | undefined {
  const value = claims[name];
  return typeof value === 'string' ? value : undefined;
}

/** `https://host/path/` → `host/path`: the form IAM uses in provider ARNs and condition keys. */
function issuerHost(issuer: string): string {
  return issuer.replace(/^https?:\/\//, '').replace(/\/$/, '');
}

// --- Identifiers -----------------------------------------------------------------------------------

interface ParsedRoleArn {
  arn: string;
  partition: string;
  accountId: string;
  name: string;
}

function parseRoleArn(arn: string): ParsedRoleArn | undefined {
  const m = /^arn:([\w-]+):iam::(\d{12}):role\/(?:[^/]+\/)*([\w+=,.@-]+)$/.exec(arn);
  if (!m) return undefined;
  return { arn, partition: m[1] ?? 'aws', accountId: m[2] ?? '', name: m[3] ?? '' };
}

/** A stable `AROA…` unique id per role ARN, so it survives setRoles. */
function roleId(arn: string): string {
  return `AROA${base32(createHash('sha256').update(arn).digest()).slice(0, 17)}`;
}

/** AWS unique ids use the base32 alphabet (A–Z, 2–7). */
function base32(bytes: Buffer): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

// --- XML -------------------------------------------------------------------------------------------

const NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';

type Field = readonly [string, string];

/** Escapes element text. Quotes stay as they are: values never go into attributes, and STS leaves them too. */
function escapeXml(value: string): string {
  return value.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

/** Children are already escaped (or nested XML). */
function xmlFields(fields: readonly Field[]): string {
  return fields.map(([name, inner]) => `<${name}>${inner}</${name}>`).join('\n    ');
}

/** The element, or nothing when there is no value. */
function optionalField(name: string, value: string | undefined): Field[] {
  return value === undefined ? [] : [[name, escapeXml(value)]];
}

function credentialsXml(c: IssuedCredentials): string {
  return xmlFields([
    ['AccessKeyId', c.accessKeyId],
    ['SecretAccessKey', escapeXml(c.secretAccessKey)],
    ['SessionToken', escapeXml(c.sessionToken)],
    ['Expiration', c.expiration.toISOString().replace(/\.\d{3}Z$/, 'Z')],
  ]);
}

function assumedRoleUserXml(session: Session): string {
  return xmlFields([
    ['AssumedRoleId', escapeXml(session.assumedRoleId)],
    ['Arn', escapeXml(session.assumedRoleArn)],
  ]);
}

/** Returned only when session policies were passed; a rough percentage of the 2048-char budget. */
function packedPolicySize(params: Record<string, string>): Field[] {
  const arns = Object.keys(params).filter((k) => k.startsWith('PolicyArns.member.'));
  if (params.Policy === undefined && arns.length === 0) return [];
  const size = (params.Policy?.length ?? 0) + arns.reduce((n, k) => n + (params[k]?.length ?? 0), 0);
  return [['PackedPolicySize', String(Math.max(1, Math.ceil((size / 2048) * 100)))]];
}

function successXml(action: string, result: string, requestId: string): string {
  return [
    `<${action}Response xmlns="${NAMESPACE}">`,
    `  <${action}Result>`,
    `    ${result}`,
    `  </${action}Result>`,
    '  <ResponseMetadata>',
    `    <RequestId>${requestId}</RequestId>`,
    '  </ResponseMetadata>',
    `</${action}Response>`,
    '',
  ].join('\n');
}

function errorXml(error: StsError, requestId: string): string {
  return [
    `<ErrorResponse xmlns="${NAMESPACE}">`,
    '  <Error>',
    `    <Type>${error.type}</Type>`,
    `    <Code>${escapeXml(error.code)}</Code>`,
    `    <Message>${escapeXml(error.message)}</Message>`,
    '  </Error>',
    `  <RequestId>${requestId}</RequestId>`,
    '</ErrorResponse>',
    '',
  ].join('\n');
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
