import { Elysia } from "elysia";
import { z } from "zod";
import { checkHistory } from "../quality/history.ts";
import { RUN_STATES as STATES, type LogLine, type RunRecord, type RunState } from "../runner/record.ts";

/**
 * The run history over HTTP, what Prefect's run view read: `/runs`, `/runs/{id}`, its logs, and
 * `/checks`, each check's results across recent runs. Records are stored with secrets already
 * removed; the API hands them over as they are.
 */

export interface RunHistory {
  /** Newest first, optionally only runs in one state; `total` counts every run that matches. */
  list(options: { limit: number; skip: number; state?: RunState }): Promise<{ runs: RunRecord[]; total: number }>;
  /** The latest `limit` runs that recorded quality checks, newest first. */
  withChecks(limit: number): Promise<RunRecord[]>;
  get(id: string): Promise<RunRecord | null>;
  logs(id: string): Promise<LogLine[]>;
}

const count = (name: string, max: number, fallback: number) =>
  z
    .string()
    .regex(/^\d{1,6}$/, `${name} must be an integer between 0 and ${max}`)
    .transform(Number)
    .pipe(z.number().max(max, `${name} must be an integer between 0 and ${max}`))
    .default(String(fallback) as never)
    .transform(Number);

const runsQuery = z.strictObject(
  {
    limit: count("limit", 1000, 50),
    skip: count("skip", 1_000_000, 0),
    state: z.enum(STATES, { error: `state must be one of ${STATES.join(", ")}` }).optional(),
  },
  { error: (i) => (i.code === "unrecognized_keys" ? `unknown parameter ${i.keys.join(", ")}; /runs accepts limit, skip, state` : undefined) },
);
const checksQuery = z.strictObject(
  { limit: count("limit", 1000, 30) },
  { error: (i) => (i.code === "unrecognized_keys" ? `unknown parameter ${i.keys.join(", ")}; /checks accepts limit` : undefined) },
);

function parsed<T>(schema: z.ZodType<T>, raw: unknown, set: { status?: number | string }): T | { error: string } {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  set.status = 400;
  return { error: result.error.issues[0]?.message ?? "invalid query" };
}

export function runRoutes(history: RunHistory) {
  return new Elysia({ name: "elt-runs" })
    .get(
      "/runs",
      async ({ query, set }) => {
        const q = parsed(runsQuery, query, set);
        if ("error" in q) return q;
        const { runs, total } = await history.list(q);
        return { data: runs, count: total };
      },
      { detail: { summary: "Recent runs", description: "Run records, newest first (`limit` default 50, `skip`, `state`); `count` is the number of runs matching `state`.", tags: ["runs"] } },
    )
    .get(
      "/runs/:id",
      async ({ params, set }) => {
        const record = await history.get(params.id);
        if (record) return record;
        set.status = 404;
        return { error: `no run ${params.id}: see /runs for the run ids` };
      },
      { detail: { summary: "One run record", description: "The run's parameters, tasks with their states, durations, row counts and metrics, its checks and its error.", tags: ["runs"] } },
    )
    .get(
      "/runs/:id/logs",
      async ({ params, set }) => {
        if (!(await history.get(params.id))) {
          set.status = 404;
          return { error: `no run ${params.id}: see /runs for the run ids` };
        }
        const lines = await history.logs(params.id);
        return { data: lines, count: lines.length };
      },
      { detail: { summary: "A run's logs", description: "Its log lines, oldest first.", tags: ["runs"] } },
    )
    .get(
      "/checks",
      async ({ query, set }) => {
        const q = parsed(checksQuery, query, set);
        if ("error" in q) return q;
        // A schedule's skipped ticks record no checks: they do not push real runs out of the window.
        const data = checkHistory(await history.withChecks(q.limit));
        return { data, count: data.length };
      },
      { detail: { summary: "Quality checks across runs", description: "Each check's value, bounds and outcome over the last `limit` runs that recorded checks (default 30), oldest first.", tags: ["runs"] } },
    );
}
