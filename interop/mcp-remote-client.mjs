// mcp-remote-client.mjs runs mcp-remote the way Claude Desktop does: as a
// stdio MCP server (`mcp-remote <url> <callback-port>`), spoken to by the
// official TypeScript SDK's stdio client. mcp-remote does the OAuth dance
// against Portico itself; the Go test reads the authorization URL it prints
// on stderr, logs in, consents and delivers the code to mcp-remote's
// loopback callback.
//
// Usage: node mcp-remote-client.mjs --url http://localhost:PORT/mcp --callback-port N [--transport http-only|sse-only]
//
// stdout: "STEP <name> <json>" lines and a final "DONE <json>";
// stderr: mcp-remote's own stderr, verbatim, and "FAIL ..." on failure.
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const { values: opts } = parseArgs({
  options: {
    url: { type: 'string' },
    'callback-port': { type: 'string' },
    transport: { type: 'string', default: 'http-only' },
  },
});
if (!opts.url || !opts['callback-port']) {
  console.error('--url and --callback-port are required');
  process.exit(2);
}
const out = (line) => process.stdout.write(line + '\n');
const step = (name, value) => out(`STEP ${name} ${JSON.stringify(value ?? null)}`);

const require = createRequire(import.meta.url);
const proxy = require.resolve('mcp-remote/dist/proxy.js');

async function main() {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [proxy, opts.url, opts['callback-port'], '--transport', opts.transport, '--auth-timeout', '60'],
    env: process.env, // HOME, MCP_REMOTE_CONFIG_DIR and the browser shim come from the Go test
    stderr: 'pipe',
  });
  transport.stderr.on('data', (chunk) => process.stderr.write(chunk));
  const client = new Client({ name: 'portico-interop-mcp-remote', version: '1.0.0' });
  await client.connect(transport);
  const server = client.getServerVersion();
  step('initialize', server);
  const { tools } = await client.listTools();
  const names = tools.map((t) => t.name);
  step('tools/list', names);
  const res = await client.callTool({ name: 'get_site_info', arguments: {} });
  if (res.isError) throw new Error(`get_site_info returned isError: ${JSON.stringify(res.content)}`);
  step('tools/call get_site_info', { structured: res.structuredContent !== undefined });
  await client.close();
  out(`DONE ${JSON.stringify({ server, tools: names })}`);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(`FAIL ${e?.stack ?? e}`);
    process.exit(1);
  },
);
