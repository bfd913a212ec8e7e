/**
 * The API's floor, run as its own process: a bare Bun.serve answering each path with bytes
 * captured from the real API (same body, same content type), doing no work per request.
 *
 *   bun bench/floor-server.ts PORT MANIFEST.json
 * The manifest maps a path with its query (`/fact_achats?limit=1000`) to { file, type }.
 */
import { readFileSync } from "node:fs";

const [port, manifestPath] = process.argv.slice(2);
const manifest = JSON.parse(readFileSync(manifestPath!, "utf8")) as Record<string, { file: string; type: string }>;
const bodies = new Map(
  Object.entries(manifest).map(([path, { file, type }]) => [path, { body: readFileSync(file), type }] as const),
);

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: Number(port),
  fetch(req) {
    const url = new URL(req.url);
    const hit = bodies.get(url.pathname + url.search);
    if (!hit) return new Response("not found", { status: 404 });
    return new Response(hit.body, { headers: { "content-type": hit.type } });
  },
});
process.stdout.write(`ready ${server.port}\n`);
