import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { ServingStore } from "../../src/serving/serving-store.ts";
import { GOLD, loadedStore } from "./fixture.ts";

/** `elt serve` as a user runs it: a real process, stopped by a signal. */

const CLI = join(import.meta.dir, "../../src/cli.ts");
let store: ServingStore;
let dir: string;
let cleanup: () => void;

beforeAll(async () => {
  ({ store, dir, cleanup } = await loadedStore());
  await store.close();
});
afterAll(() => cleanup());

function elt(args: string[]) {
  return Bun.spawn([process.execPath, CLI, ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "", HOME: dir, ELT_HOME: dir },
    stdout: "pipe",
    stderr: "pipe",
  });
}

/** Reads stdout until a line matches, and hands back that line's match. */
async function waitForLine(stream: ReadableStream<Uint8Array>, pattern: RegExp): Promise<{ match: RegExpMatchArray; rest: () => Promise<string> }> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let text = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`stdout ended before ${pattern}: ${text}`);
    text += decoder.decode(value, { stream: true });
    const match = text.match(pattern);
    if (match) {
      return {
        match,
        rest: async () => {
          for (;;) {
            const next = await reader.read();
            if (next.done) return text;
            text += decoder.decode(next.value, { stream: true });
          }
        },
      };
    }
  }
}

describe("elt serve", () => {
  test("serves the store until SIGTERM, then exits 0", async () => {
    const proc = elt(["serve", "--port", "0"]);
    try {
      const { match, rest } = await waitForLine(proc.stdout, /elt API on (http:\/\/127\.0\.0\.1:\d+) \(docs: \1\/docs, console: \1\/ui\)/);
      const url = match[1]!;
      const response = await fetch(`${url}/kpis`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ data: GOLD.kpis, count: 1 });
      proc.kill("SIGTERM");
      expect(await proc.exited).toBe(0);
      const out = await rest();
      expect(out).toMatch(/Z GET \/kpis 200 \d+\.\dms\n/);
      expect(out).toContain("SIGTERM: stopping");
    } finally {
      proc.kill("SIGKILL");
    }
  });

  test("a port in use is a one-line usage error, exit 2", async () => {
    const busy = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("taken") });
    try {
      const proc = elt(["serve", "--port", String(busy.port)]);
      expect(await proc.exited).toBe(2);
      expect(await new Response(proc.stderr).text()).toBe(
        `elt: port ${busy.port} on 127.0.0.1 is already in use: pick another with --port\n`,
      );
    } finally {
      await busy.stop(true);
    }
  });

  test.each([
    [["--port", "70000"], "elt: --port 70000: expected a port number, 0 to 65535 (0: any free port)"],
    [["--port", "abc"], "elt: --port abc: expected a port number, 0 to 65535 (0: any free port)"],
    [["--host", "a b"], "elt: --host a b: expected an IP address or a host name, e.g. 127.0.0.1 or 0.0.0.0"],
  ])("bad options %p → exit 2", async (args, message) => {
    const proc = elt(["serve", ...args]);
    expect(await proc.exited).toBe(2);
    expect((await new Response(proc.stderr).text()).split("\n")[0]).toBe(message);
  });
});
