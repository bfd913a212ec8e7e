import { UsageError } from "../core/errors.ts";
import type { createApp } from "./app.ts";

export interface Listening {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:8000 */
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Binds the app; a taken port is a one-line error rather than a silently shared socket. Nothing
 * has run when it fails, and a port or host is what was asked for: a usage error (exit 2).
 */
export function listen(app: ReturnType<typeof createApp>, hostname: string, port: number): Listening {
  try {
    // Elysia turns reusePort on by default, which lets a second server share a busy port unnoticed.
    app.listen({ hostname, port, reusePort: false });
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "EADDRINUSE") throw new UsageError(`port ${port} on ${hostname} is already in use: pick another with --port`);
    if (code === "EADDRNOTAVAIL" || code === "EINVAL") throw new UsageError(`cannot listen on ${hostname}: not an address of this machine`);
    if (code === "EACCES") throw new UsageError(`not allowed to listen on port ${port}: use a port above 1023`);
    throw err;
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
