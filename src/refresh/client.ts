import { z } from "zod";
import { refreshTimeSchema, type RefreshTime } from "../api/schemas.ts";
import { EltError, errorLine } from "../core/errors.ts";

/** The little of the API the probe reads, parsed with zod at the edge. */

const healthSchema = z.object({ status: z.string(), error: z.string().optional() });

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly apiKey?: string,
  ) {}

  /** Throws a one-line EltError when nothing answers or the API reports its store down. */
  async checkHealth(): Promise<void> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}/health`, { signal: AbortSignal.timeout(5000) });
    } catch (err) {
      throw new EltError(
        `the API is not reachable at ${this.baseUrl} (${errorLine(err)}): start it with \`elt serve\`, or pass --spawn`,
      );
    }
    const health = healthSchema.safeParse(await response.json().catch(() => null));
    if (!health.success) throw new EltError(`${this.baseUrl}/health did not answer like the elt API (HTTP ${response.status})`);
    // An empty store answers too: the probe then names the table it cannot find.
    if (health.data.status !== "ok" && health.data.status !== "empty") {
      throw new EltError(`the API at ${this.baseUrl} cannot read its serving store: ${health.data.error ?? health.data.status}`);
    }
  }

  async refreshTime(collection: string): Promise<RefreshTime> {
    const url = `${this.baseUrl}/refresh_time/${encodeURIComponent(collection)}`;
    const response = await fetch(url, { headers: this.apiKey ? { "x-api-key": this.apiKey } : {} });
    const body: unknown = await response.json().catch(() => null);
    if (!response.ok) {
      const message = z.object({ error: z.string() }).safeParse(body);
      throw new EltError(`GET ${url}: HTTP ${response.status}${message.success ? `: ${message.data.error}` : ""}`);
    }
    const parsed = refreshTimeSchema.safeParse(body);
    if (!parsed.success) throw new EltError(`GET ${url}: unexpected answer (${parsed.error.issues[0]?.message})`);
    return parsed.data;
  }
}
