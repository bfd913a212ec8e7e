import { NONE, formatAge, formatDuration, formatInt, formatNumber, formatUtc } from "../ui/format.ts";
import { NotServed, getJson } from "./api.ts";
import { h } from "./dom.ts";
import { runRows, type RunRecord } from "../runner/record.ts";

/** Prefect's run view: recent runs, one run's tasks, logs and checks, and the served data's age. */

interface Check {
  check: string;
  subject: string;
  value: number | null;
  unit: string;
  warn: number | false;
  error: number | false;
  fails: "above" | "below";
  outcome: string;
  note?: string;
}

/** A run record as /runs answers it. */
export type Run = RunRecord;

/** A run's checks: each task records its own in its metrics. */
const checksOf = (run: Run): Check[] => run.tasks.flatMap((t) => (Array.isArray(t.metrics?.checks) ? (t.metrics.checks as Check[]) : []));


function checksSummary(checks: Check[] | undefined): string {
  if (!checks?.length) return NONE;
  const count = (o: string) => checks.filter((c) => c.outcome === o).length;
  return [`${count("passed")} ✔`, count("warned") ? `${count("warned")} ⚠` : "", count("failed") ? `${count("failed")} ✖` : ""].filter(Boolean).join(" ");
}

const cell = (v: number | undefined) => h("td", { class: "num" }, v === undefined ? NONE : formatInt(v));

/** The schedule /schedule answers (when `elt serve --every/--cron` runs one). */
interface Schedule {
  expression: string;
  next_run: string | null;
}

/** "schedule: every 15m · next run 14:30 UTC", or null when the API runs no schedule. */
async function scheduleLine(): Promise<HTMLElement | null> {
  const schedule = await getJson<Schedule>("/schedule").catch((err) => {
    if (err instanceof NotServed) return null;
    throw err;
  });
  if (!schedule) return null;
  const next = schedule.next_run ? ` · next run ${new Date(schedule.next_run).toISOString().slice(11, 16)} UTC` : "";
  return h("p", { "data-schedule": "" }, `schedule: ${schedule.expression}${next}`);
}

export async function runsCard(): Promise<HTMLElement> {
  let runs: Run[];
  try {
    runs = (await getJson<{ data: Run[] }>("/runs?limit=50")).data;
  } catch (err) {
    if (err instanceof NotServed) return h("section", { class: "card" }, h("strong", {}, "Runs"), h("p", { class: "muted" }, "this API serves no run history"));
    throw err;
  }
  return h(
    "section",
    { class: "card", "data-runs": "" },
    h("strong", {}, "Recent runs"),
    await scheduleLine(),
    h(
      "table",
      {},
      h(
        "thead",
        {},
        h("tr", {}, ...["state", "run", "flow", "started", "duration"].map((t) => h("th", {}, t)), ...["rows read", "kept", "published"].map((t) => h("th", { class: "num" }, t)), h("th", {}, "checks")),
      ),
      h(
        "tbody",
        {},
        ...runs.map((r) => {
          const rows = runRows(r);
          return h(
            "tr",
            { "data-run": r.id },
            h("td", { class: `state-${r.state}` }, r.state),
            h("td", {}, h("a", { href: `#/runs/${encodeURIComponent(r.id)}` }, r.id)),
            h("td", {}, r.flow),
            h("td", {}, formatUtc(Date.parse(r.started_at))),
            h("td", { class: "num" }, formatDuration(r.duration_ms)),
            cell(rows.read),
            cell(rows.kept),
            cell(rows.published),
            h("td", {}, checksSummary(checksOf(r))),
          );
        }),
      ),
    ),
    runs.length === 0 ? h("p", { class: "muted" }, "no run yet: `elt run --all` records one") : null,
  );
}

export async function refreshCard(tables: string[]): Promise<HTMLElement> {
  const metas = await Promise.all(
    tables.map((t) =>
      getJson<{ collection: string; write_end: string; duration_seconds: number; record_count: number; run_id: string }>(`/refresh_time/${t}`).catch(() => null),
    ),
  );
  return h(
    "section",
    { class: "card", "data-refresh": "" },
    h("strong", {}, "Served tables"),
    h(
      "table",
      {},
      h("thead", {}, h("tr", {}, h("th", {}, "collection"), h("th", { class: "num" }, "rows"), h("th", {}, "written"), h("th", {}, "age"), h("th", { class: "num" }, "write took"), h("th", {}, "run"))),
      h(
        "tbody",
        {},
        ...metas.map((m, i) =>
          m
            ? h(
                "tr",
                {},
                h("td", {}, m.collection),
                h("td", { class: "num" }, formatInt(m.record_count)),
                h("td", {}, formatUtc(Date.parse(m.write_end))),
                h("td", {}, formatAge(Date.now() - Date.parse(m.write_end))),
                h("td", { class: "num" }, formatDuration(m.duration_seconds * 1000)),
                h("td", {}, m.run_id),
              )
            : h("tr", {}, h("td", {}, tables[i]!), h("td", { colspan: 5, class: "muted" }, "not written yet")),
        ),
      ),
    ),
  );
}

/** A check's value across runs as a small line, oldest on the left. */
function sparkline(values: (number | null)[]): SVGElement {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("width", "120");
  svg.setAttribute("height", "24");
  const known = values.filter((v): v is number => v !== null);
  if (known.length > 1) {
    const [min, max] = [Math.min(...known), Math.max(...known)];
    const y = (v: number) => (max === min ? 12 : 22 - ((v - min) / (max - min)) * 20);
    const line = document.createElementNS(ns, "polyline");
    line.setAttribute("points", values.map((v, i) => (v === null ? "" : `${(i / (values.length - 1)) * 118 + 1},${y(v)}`)).filter(Boolean).join(" "));
    line.setAttribute("fill", "none");
    line.setAttribute("stroke", "currentColor");
    svg.append(line);
  }
  return svg;
}

interface CheckHistory {
  check: string;
  subject: string;
  unit: string;
  runs: { run_id: string; started_at: string; value: number | null; outcome: string; warn: number | false; error: number | false }[];
}

export async function checksCard(): Promise<HTMLElement | null> {
  let history: CheckHistory[];
  try {
    history = (await getJson<{ data: CheckHistory[] }>("/checks?limit=30")).data;
  } catch (err) {
    if (err instanceof NotServed) return null;
    throw err;
  }
  const shown = (v: number | null, unit: string) => (v === null ? NONE : `${formatNumber(v, unit === "%" ? 1 : Number.isInteger(v) ? 0 : 2)}${unit ? ` ${unit}` : ""}`);
  return h(
    "section",
    { class: "card", "data-checks": "" },
    h("strong", {}, "Checks across runs"),
    h(
      "table",
      {},
      h("thead", {}, h("tr", {}, h("th", {}, "check"), h("th", {}, "on"), h("th", {}, "trend"), h("th", { class: "num" }, "latest"), h("th", {}, "outcome"), h("th", {}, "bounds"))),
      h(
        "tbody",
        {},
        ...history.map((c) => {
          const last = c.runs.at(-1);
          return h(
            "tr",
            {},
            h("td", {}, c.check),
            h("td", {}, c.subject),
            h("td", { class: "muted" }, sparkline(c.runs.map((r) => r.value))),
            h("td", { class: "num" }, shown(last?.value ?? null, c.unit)),
            h("td", { class: `outcome-${last?.outcome}` }, last?.outcome ?? NONE),
            h("td", { class: "muted" }, last ? `warn ${last.warn === false ? "off" : last.warn}, error ${last.error === false ? "off" : last.error}` : ""),
          );
        }),
      ),
    ),
  );
}

function gantt(run: Run): HTMLElement {
  const t0 = Date.parse(run.started_at);
  const t1 = Math.max(t0 + 1, ...run.tasks.map((t) => (t.ended_at ? Date.parse(t.ended_at) : t0)));
  return h(
    "table",
    { "data-tasks": "" },
    h("thead", {}, h("tr", {}, ...["task", "state", "timeline"].map((t) => h("th", {}, t)), ...["duration", "rows in", "rows out", "attempts"].map((t) => h("th", { class: "num" }, t)), h("th", {}, "note"))),
    h(
      "tbody",
      {},
      ...run.tasks.map((t) => {
        const start = t.started_at ? Date.parse(t.started_at) : t0;
        const end = t.ended_at ? Date.parse(t.ended_at) : start;
        const left = ((start - t0) / (t1 - t0)) * 100;
        const width = ((end - start) / (t1 - t0)) * 100;
        return h(
          "tr",
          { "data-task": t.name },
          h("td", {}, t.name),
          h("td", { class: `state-${t.state}` }, t.state),
          h("td", { style: "width: 30%" }, h("div", { class: "gantt" }, h("span", { style: `left: ${left}%; width: ${width}%` }))),
          h("td", { class: "num" }, formatDuration(t.duration_ms)),
          cell(t.rows_in),
          cell(t.rows_out),
          h("td", { class: "num" }, t.attempts),
          h("td", { class: t.error ? "error" : "muted" }, t.error ?? t.reason ?? ""),
        );
      }),
    ),
  );
}

function rejectsTable(run: Run): HTMLElement | null {
  type Sample = { line: number; fields: (string | null)[] };
  const silver = run.tasks.find((t) => t.name === "silver")?.metrics as Record<string, { rejects?: Record<string, number>; samples?: Record<string, Sample[]> }> | undefined;
  if (!silver) return null;
  const rows = (["clients", "achats"] as const).flatMap((dataset) =>
    Object.entries(silver[dataset]?.rejects ?? {}).map(([code, n]) => {
      const samples = silver[dataset]?.samples?.[code] ?? [];
      return h("tr", {}, h("td", {}, dataset), h("td", {}, code), h("td", { class: "num" }, formatInt(n)), h("td", { class: "muted" }, samples.map((s) => `line ${s.line}: ${s.fields.map((f) => f ?? "").join(",")}`).join("  ·  ")));
    }),
  );
  return h(
    "section",
    { class: "card" },
    h("strong", {}, "Rejects per reason"),
    rows.length ? h("table", {}, h("thead", {}, h("tr", {}, h("th", {}, "dataset"), h("th", {}, "reason"), h("th", { class: "num" }, "rows"), h("th", {}, "sample rows"))), h("tbody", {}, ...rows)) : h("p", { class: "muted" }, "no row rejected"),
  );
}

/** What the run wrote: bronze's copies, silver's rows, gold's tables with their row counts, what the export loaded. */
function outputsCard(run: Run): HTMLElement | null {
  const rows: HTMLElement[] = [];
  for (const t of run.tasks.filter((t) => t.state === "succeeded")) {
    const m = t.metrics ?? {};
    if (typeof m.key === "string") rows.push(h("tr", {}, h("td", {}, t.name), h("td", {}, m.key), h("td", { class: "num" }, typeof m.bytes === "number" ? `${formatInt(m.bytes)} bytes` : "")));
    for (const [table, n] of Object.entries((m.tables ?? {}) as Record<string, number>)) rows.push(h("tr", {}, h("td", {}, t.name), h("td", {}, `gold/${table}.parquet, .csv`), h("td", { class: "num" }, `${formatInt(n)} rows`)));
    for (const [collection, n] of Object.entries((m.collections ?? {}) as Record<string, number>)) rows.push(h("tr", {}, h("td", {}, t.name), h("td", {}, collection), h("td", { class: "num" }, `${formatInt(n)} rows`)));
  }
  if (rows.length === 0) return null;
  return h("section", { class: "card", "data-outputs": "" }, h("strong", {}, "Outputs"), h("table", {}, h("tbody", {}, ...rows)));
}

export async function runPage(id: string): Promise<HTMLElement[]> {
  const run = await getJson<Run>(`/runs/${encodeURIComponent(id)}`);
  const logs = await getJson<{ data: { ts: string; level: string; task?: string; msg: string }[] }>(`/runs/${encodeURIComponent(id)}/logs`).catch(() => ({ data: [] }));
  const checks = checksOf(run);
  return [
    h("p", {}, h("a", { href: "#/pipeline" }, "← all runs")),
    h(
      "section",
      { class: "card", "data-run-page": run.id },
      h("strong", {}, `${run.flow} run ${run.id}`),
      h("p", {}, h("span", { class: `state-${run.state}` }, run.state), ` · started ${formatUtc(Date.parse(run.started_at))} · ${formatDuration(run.duration_ms)}`),
      run.error ? h("p", { class: "error" }, run.error) : null,
      gantt(run),
    ),
    h(
      "section",
      { class: "card", "data-run-checks": "" },
      h("strong", {}, "Checks"),
      checks.length
        ? h(
            "table",
            {},
            h("tbody", {}, ...checks.map((c) => h("tr", {}, h("td", {}, c.check), h("td", {}, c.subject), h("td", { class: `outcome-${c.outcome}` }, c.outcome), h("td", { class: "num" }, c.value === null ? NONE : `${formatNumber(c.value, 2)} ${c.unit}`), h("td", { class: "muted" }, c.note ?? "")))),
          )
        : h("p", { class: "muted" }, "no check recorded for this run"),
    ),
    rejectsTable(run),
    outputsCard(run),
    h("section", { class: "card" }, h("strong", {}, "Logs"), h("pre", {}, logs.data.map((l) => `${l.ts} ${l.level.padEnd(5)} ${l.task ?? "-"}  ${l.msg}`).join("\n"))),
  ].filter((x): x is HTMLElement => x !== null);
}
