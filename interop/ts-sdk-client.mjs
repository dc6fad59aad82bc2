// ts-sdk-client.mjs drives Portico with the official TypeScript SDK client
// (@modelcontextprotocol/sdk), the way an application embedding it would:
// its OAuthClientProvider + auth() do discovery, dynamic client registration,
// PKCE, authorization and the token exchange; the person's part (log in,
// consent) is done by the Go test that spawned this script.
//
// Usage: node ts-sdk-client.mjs --url http://localhost:PORT/mcp --transport streamable|sse
//
// Protocol with the Go test (stdout, one line each):
//   AUTHORIZE <url>     the URL the SDK asked to open in a browser;
//                       the Go test answers on stdin with "CODE <code>"
//   STEP <name> <json>  a finished step and what it returned
//   DONE <json>         everything passed; the summary
// Any failure is printed to stderr and the exit code is 1.
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';

const { values: opts } = parseArgs({
  options: {
    url: { type: 'string' },
    transport: { type: 'string', default: 'streamable' },
    'redirect-url': { type: 'string', default: 'http://127.0.0.1:53682/callback' },
  },
});
if (!opts.url) {
  console.error('--url is required');
  process.exit(2);
}

const out = (line) => process.stdout.write(line + '\n');
const step = (name, value) => out(`STEP ${name} ${JSON.stringify(value ?? null)}`);

// Lines from the Go test on stdin.
const stdinLines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
async function readCode() {
  const { value, done } = await stdinLines.next();
  if (done) throw new Error('stdin closed before the Go test sent the authorization code');
  const m = /^CODE (.+)$/.exec(value.trim());
  if (!m) throw new Error(`expected "CODE <code>" on stdin, got ${JSON.stringify(value)}`);
  return m[1];
}

// InMemoryProvider is an OAuthClientProvider that keeps everything in memory
// and records what the SDK did with it.
class InMemoryProvider {
  constructor(redirectUrl) {
    this._redirectUrl = redirectUrl;
    this._state = undefined;
    this.saved = { clientInformation: 0, tokens: 0, discovery: 0 };
    this.authorizationURLs = [];
  }
  get redirectUrl() {
    return this._redirectUrl;
  }
  get clientMetadata() {
    return {
      client_name: 'portico-interop (TypeScript SDK)',
      redirect_uris: [this._redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }
  state() {
    this._state = 'st-' + Math.random().toString(36).slice(2) + '-_.~';
    return this._state;
  }
  get lastState() {
    return this._state;
  }
  clientInformation() {
    return this._client;
  }
  saveClientInformation(info) {
    this.saved.clientInformation++;
    this._client = info;
  }
  tokens() {
    return this._tokens;
  }
  saveTokens(tokens) {
    this.saved.tokens++;
    this._tokens = tokens;
  }
  redirectToAuthorization(url) {
    this.authorizationURLs.push(url.toString());
    out(`AUTHORIZE ${url.toString()}`);
  }
  saveCodeVerifier(v) {
    this._verifier = v;
  }
  codeVerifier() {
    if (!this._verifier) throw new Error('no code verifier saved');
    return this._verifier;
  }
  saveDiscoveryState(s) {
    this.saved.discovery++;
    this._discovery = s;
  }
  discoveryState() {
    return this._discovery;
  }
  invalidateCredentials(scope) {
    step('invalidateCredentials', scope);
    if (scope === 'all' || scope === 'client') this._client = undefined;
    if (scope === 'all' || scope === 'tokens') this._tokens = undefined;
    if (scope === 'all' || scope === 'verifier') this._verifier = undefined;
    if (scope === 'all' || scope === 'discovery') this._discovery = undefined;
  }
}

const url = new URL(opts.url);
const provider = new InMemoryProvider(opts['redirect-url']);
const newTransport = () =>
  opts.transport === 'sse'
    ? new SSEClientTransport(url, { authProvider: provider })
    : new StreamableHTTPClientTransport(url, { authProvider: provider });

async function main() {
  const summary = { transport: opts.transport };
  // 1. First connection: no token yet, so the SDK runs discovery, DCR and
  //    sends the person to the authorization URL (UnauthorizedError).
  let client = new Client({ name: 'portico-interop-ts', version: '1.0.0' });
  let transport = newTransport();
  try {
    await client.connect(transport);
    throw new Error('connected without authorization: the server did not answer 401 to an anonymous request');
  } catch (e) {
    if (!(e instanceof UnauthorizedError)) throw e;
  }
  if (provider.authorizationURLs.length !== 1) {
    throw new Error(`the SDK asked to open ${provider.authorizationURLs.length} authorization URLs, want 1`);
  }
  const authURL = new URL(provider.authorizationURLs[0]);
  summary.clientId = provider.clientInformation()?.client_id;
  summary.authorize = Object.fromEntries(authURL.searchParams);
  step('authorization-url', summary.authorize);

  // 2. The person consents (the Go test); the SDK exchanges the code.
  const code = await readCode();
  await transport.finishAuth(code);
  const first = provider.tokens();
  if (!first?.access_token) throw new Error('finishAuth saved no access token');
  if (!first.refresh_token) throw new Error('the token response carried no refresh_token');
  step('tokens', { token_type: first.token_type, expires_in: first.expires_in, scope: first.scope, refresh: true });
  await transport.close().catch(() => {});

  // 3. Connect with the token: initialize.
  client = new Client({ name: 'portico-interop-ts', version: '1.0.0' });
  transport = newTransport();
  await client.connect(transport);
  summary.server = client.getServerVersion();
  summary.protocolVersion = transport.protocolVersion ?? null;
  step('initialize', { server: summary.server, capabilities: client.getServerCapabilities() });

  // 4. tools/list, then every read-only tool with sensible arguments.
  const { tools } = await client.listTools();
  summary.tools = tools.map((t) => t.name);
  step('tools/list', summary.tools);
  const readTools = tools.filter((t) => t.annotations?.readOnlyHint === true);
  if (readTools.length === 0) throw new Error('tools/list has no tool with readOnlyHint true');
  const ctx = {};
  // Call the listing and search tools first: their results feed get_post and fetch.
  const order = (t) => ({ list_posts: 0, search: 1, search_posts: 2 })[t.name] ?? 9;
  readTools.sort((a, b) => order(a) - order(b));
  summary.called = {};
  for (const tool of readTools) {
    const args = argumentsFor(tool, ctx);
    const res = await client.callTool({ name: tool.name, arguments: args });
    const text = (res.content ?? []).filter((c) => c.type === 'text').map((c) => c.text).join('\n');
    if (res.isError) throw new Error(`tools/call ${tool.name} ${JSON.stringify(args)} returned isError: ${text.slice(0, 500)}`);
    learn(tool.name, res, ctx);
    summary.called[tool.name] = { args, textChars: text.length, structured: res.structuredContent !== undefined };
    step(`tools/call ${tool.name}`, summary.called[tool.name]);
  }

  // 5. Forced refresh: spoil the access token (the refresh token stays) so
  //    the next request is answered 401 and the SDK refreshes on its own.
  provider.saveTokens({ ...provider.tokens(), access_token: 'spoiled-' + first.access_token.slice(0, 4) });
  const before = provider.saved.tokens;
  const again = await client.callTool({ name: 'get_site_info', arguments: {} });
  if (again.isError) throw new Error('get_site_info after refresh returned isError');
  const refreshed = provider.tokens();
  if (provider.saved.tokens === before) throw new Error('no refresh happened after the access token was spoiled');
  if (refreshed.access_token === first.access_token || refreshed.access_token.startsWith('spoiled-')) {
    throw new Error('the refresh did not produce a new access token');
  }
  if (!refreshed.refresh_token || refreshed.refresh_token === first.refresh_token) {
    throw new Error('the refresh token was not rotated');
  }
  summary.refresh = { newAccessToken: true, rotatedRefreshToken: true, authorizationURLs: provider.authorizationURLs.length };
  step('refresh', summary.refresh);

  // 6. One more call with the refreshed token, on a fresh connection too.
  await client.listTools();
  await client.close();
  client = new Client({ name: 'portico-interop-ts', version: '1.0.0' });
  await client.connect(newTransport());
  const res = await client.callTool({ name: 'get_site_info', arguments: {} });
  if (res.isError) throw new Error('get_site_info on a new connection after refresh returned isError');
  await client.close();
  if (provider.authorizationURLs.length !== 1) {
    throw new Error(`the SDK sent the person to authorize ${provider.authorizationURLs.length} times, want once`);
  }
  out(`DONE ${JSON.stringify(summary)}`);
}

// argumentsFor picks sensible arguments for a read-only tool from its input
// schema and what earlier calls returned.
function argumentsFor(tool, ctx) {
  const props = tool.inputSchema?.properties ?? {};
  const required = tool.inputSchema?.required ?? [];
  switch (tool.name) {
    case 'list_posts':
      return { status: ['published'], limit: 5 };
    case 'search':
    case 'search_posts':
      return { query: ctx.word ?? 'the' };
    case 'fetch':
      return { id: ctx.fetchId ?? String(ctx.postId ?? 1) };
    case 'get_post':
      return ctx.postId !== undefined ? { id: ctx.postId } : { slug: ctx.slug ?? 'about' };
  }
  const args = {};
  for (const name of required) {
    const p = props[name] ?? {};
    if (p.type === 'integer' || p.type === 'number') args[name] = name.endsWith('id') && ctx.postId ? ctx.postId : 1;
    else if (p.type === 'boolean') args[name] = false;
    else args[name] = ctx.word ?? 'the';
  }
  return args;
}

function learn(name, res, ctx) {
  const sc = res.structuredContent;
  if (!sc) return;
  if (name === 'list_posts') {
    const first = (sc.posts ?? sc.items ?? [])[0];
    if (first) {
      ctx.postId = first.id;
      ctx.slug = first.slug;
      ctx.word = String(first.title ?? '').split(/\W+/).find((w) => w.length > 3) ?? ctx.word;
    }
  }
  if (name === 'search') {
    const hit = (sc.results ?? [])[0];
    if (!hit) throw new Error(`search ${JSON.stringify(ctx.word)} found nothing, though list_posts listed a published post with that word`);
    ctx.fetchId = String(hit.id);
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(`FAIL ${e?.stack ?? e}`);
    process.exit(1);
  },
);
