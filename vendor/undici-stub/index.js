// @actions/http-client imports undici only for ProxyAgent, which it uses in
// getAgentDispatcher() (for fetch-based clients such as Octokit). claimcheck never calls that:
// it makes its requests with HttpClient.get, which reaches proxies through `tunnel`. Bundling
// the real undici would add about 400 KB and 60 ms of start-up to every job for nothing, so
// package.json's "overrides" points undici here. Should anything call it, it says so.
export class ProxyAgent {
  constructor() {
    throw new Error('claimcheck does not bundle undici: ProxyAgent (HttpClient.getAgentDispatcher) is not available');
  }
}
