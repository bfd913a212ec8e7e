import { expect, test } from "bun:test";
import { GOLD_TABLE_NAMES } from "../../src/contract/gold-tables.ts";
import { GOLD, batches, useLoadedStore } from "./fixture.ts";

/** X-Elt-Run: the export run of the table answered, so a client can tell its tables agree. */

const suite = useLoadedStore({ served: true });

const runOf = async (table: string, init?: RequestInit) => (await fetch(`${suite.api.url}/${table}?limit=1`, init)).headers.get("x-elt-run");

test("every table answers with the run that exported it, on 200 and 304", async () => {
  for (const table of GOLD_TABLE_NAMES) expect(await runOf(table)).toBe("run-1");
  const etag = (await fetch(`${suite.api.url}/kpis`)).headers.get("etag")!;
  const notModified = await fetch(`${suite.api.url}/kpis`, { headers: { "if-none-match": etag } });
  expect(notModified.status).toBe(304);
  expect(notModified.headers.get("x-elt-run")).toBe("run-1");
});

test("a table rewritten by another run says so, the others keep theirs", async () => {
  await suite.store.replaceTable("kpis", batches(GOLD.kpis), "run-2");
  expect(await runOf("kpis")).toBe("run-2");
  expect(await runOf("agg_mois")).toBe("run-1");
});

test("the OpenAPI document describes the header on every table", async () => {
  const doc = (await (await fetch(`${suite.api.url}/docs/json`)).json()) as {
    paths: Record<string, { get: { responses: Record<string, { headers?: Record<string, unknown> }> } }>;
  };
  for (const table of GOLD_TABLE_NAMES) {
    expect(Object.keys(doc.paths[`/${table}`]!.get.responses["200"]!.headers ?? {})).toEqual(["X-Elt-Run"]);
  }
});
