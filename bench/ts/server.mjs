// TS reference for bench/run.sh: the official TypeScript SDK's Streamable
// HTTP transport, stateless (a server and transport per request, as the SDK
// documents for stateless mode), JSON responses, a bearer-token check and
// the same get_post read tool as the Go peers.
import http from "node:http";
import crypto from "node:crypto";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { z } from "zod";

const listen = process.env.LISTEN || "127.0.0.1:9104";
const token = process.env.BENCH_TOKEN || "bench-token";
const [host, port] = listen.split(":");

const body = "Slow mornings, a pour-over and a notebook: the ritual that makes the week. ".repeat(20);
const post = (id) => ({
  id, type: "post", slug: "slow-mornings", title: "Slow mornings with a pour-over", status: "published",
  url: "http://127.0.0.1/posts/slow-mornings",
  summary: "Slow mornings, a pour-over and a notebook: the ritual that makes the week.",
  author_id: 1, categories: ["coffee"], tags: ["ritual", "mornings"], featured: false,
  created_at: "2026-01-02T03:04:05Z", modified_at: "2026-01-02T03:04:05Z", published_at: "2026-01-02T03:04:05Z",
  version: 1, body,
});

function newServer() {
  const s = new McpServer({ name: "ts-reference", version: "1" });
  s.registerTool("get_post", { description: "Read a post", inputSchema: { id: z.number().int() } }, async ({ id }) => {
    if (id < 1 || id > 32) return { isError: true, content: [{ type: "text", text: `no post ${id}` }] };
    const p = post(id);
    return { content: [{ type: "text", text: JSON.stringify(p) }], structuredContent: p };
  });
  return s;
}

const want = Buffer.from("Bearer " + token);
function authorized(req) {
  const got = Buffer.from(req.headers["authorization"] || "");
  return got.length === want.length && crypto.timingSafeEqual(got, want);
}

http.createServer(async (req, res) => {
  if (req.url === "/readyz") { res.end("ok"); return; }
  if (!authorized(req)) {
    res.writeHead(401, { "WWW-Authenticate": 'Bearer error="invalid_token"', "Content-Type": "application/json" });
    res.end('{"jsonrpc":"2.0","id":null,"error":{"code":-32001,"message":"Unauthorized"}}');
    return;
  }
  const chunks = [];
  for await (const c of req) chunks.push(c);
  let parsed;
  try { parsed = JSON.parse(Buffer.concat(chunks).toString()); } catch { res.writeHead(400); res.end(); return; }
  const server = newServer();
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  res.on("close", () => { transport.close(); server.close(); });
  await server.connect(transport);
  await transport.handleRequest(req, res, parsed);
}).listen(Number(port), host);
