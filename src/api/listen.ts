import { UsageError } from "../core/errors.ts";
import type { createApp } from "./app.ts";

export interface Listening {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:8000 */
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** How `elt serve` chooses its port; `elt run --serve` takes it from API_URL and says so. */
const SERVE_PORT = "pick another with --port";

/**
 * Binds the app; a taken port is a one-line error rather than a silently shared socket. Nothing
 * has run when it fails, and a port or host is what was asked for: a usage error (exit 2).
 */
export function listen(app: ReturnType<typeof createApp>, hostname: string, port: number, choosePort = SERVE_PORT): Listening {
  try {
    // Elysia turns reusePort on by default, which lets a second server share a busy port unnoticed.
    app.listen({ hostname, port, reusePort: false });
  } catch (err) {
    throw listenError(err, hostname, port, choosePort);
  }
  const server = app.server!;
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  return {
    url: `http://${host}:${server.port}`,
    port: server.port!,
    stop: async () => {
      await app.stop();
    },
  };
}

/**
 * Refuses, before any work, a port that `listen` would refuse once the work is done (`elt run
 * --serve` serves after the pipeline has run): bound for an instant and let go.
 */
export function assertCanListen(hostname: string, port: number, choosePort: string): void {
  try {
    // Bound as the app binds (listen above), so it fails where that would.
    const probe = Bun.serve({ hostname, port, reusePort: false, fetch: () => new Response(null, { status: 503 }) });
    void probe.stop(true);
  } catch (err) {
    throw listenError(err, hostname, port, choosePort);
  }
}

function listenError(err: unknown, hostname: string, port: number, choosePort: string): unknown {
  const code = (err as { code?: string }).code;
  if (code === "EADDRINUSE") return new UsageError(`port ${port} on ${hostname} is already in use: ${choosePort}`);
  if (code === "EADDRNOTAVAIL" || code === "EINVAL") return new UsageError(`cannot listen on ${hostname}: not an address of this machine`);
  if (code === "EACCES") return new UsageError(`not allowed to listen on port ${port}: use a port above 1023`);
  return err;
}
