import { Elysia } from "elysia";

/** What `GET /schedule` answers: the schedule `elt serve --every/--cron` runs, kept up to date as ticks come and runs end. */
export interface ScheduleStatus {
  /** "every 15m", "cron 0 * * * * UTC". */
  expression: string;
  /** When the next run starts; null only before the schedule has started. */
  next_run: string | null;
  /** The last run the schedule started (a skipped tick is not one). */
  last_run_id: string | null;
}

export const scheduleSchema: object = {
  type: "object",
  properties: {
    expression: { type: "string", description: "The schedule as given: `every 15m`, or `cron <5 fields> <time zone>`." },
    next_run: { type: ["string", "null"], format: "date-time", description: "When the next run starts." },
    last_run_id: { type: ["string", "null"], description: "The last run this schedule started; see /runs/{id}." },
  },
  required: ["expression", "next_run", "last_run_id"],
};

export function scheduleRoutes(status: () => ScheduleStatus) {
  return new Elysia({ name: "elt-schedule" }).get("/schedule", () => status(), {
    detail: {
      summary: "The schedule this API runs",
      description: "Served when `elt serve` runs the pipeline on a schedule (`--every` or `--cron`): its expression, the next run's time and the last run it started.",
      tags: ["runs"],
      responses: { 200: { description: "The schedule.", content: { "application/json": { schema: scheduleSchema } } } },
    },
  });
}
