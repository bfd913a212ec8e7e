import { loadLocal, type DashboardData } from "../../src/dashboard/data.ts";
import type { GoldTableName } from "../../src/contract/gold-tables.ts";
import type { Row } from "../../src/contract/columns.ts";
import type { ReadOptions, ServingStore } from "../../src/serving/serving-store.ts";
import { NOW, REFRESH, RUNS, TABLES } from "./fixture.ts";

/**
 * A serving store over the fixture tables held in memory, for tests about what is shown
 * rather than where it is stored. Sorting is only ever asked for on a table's own order
 * key, so descending is the gold order reversed.
 */
export function memoryStore(tables: Partial<Record<GoldTableName, Row[]>> = TABLES as unknown as Record<GoldTableName, Row[]>): ServingStore {
  return {
    kind: "sqlite",
    location: "/memory/serving.sqlite",
    prefix: "gold_",
    async read(table: GoldTableName, options: ReadOptions = {}) {
      const all = tables[table];
      if (!all) throw new Error(`no table ${table}`);
      const ordered = options.sort?.direction === "desc" ? [...all].reverse() : all;
      const rows = ordered.slice(options.skip ?? 0, (options.skip ?? 0) + (options.limit ?? ordered.length));
      return { rows, total: all.length };
    },
    async refreshMetadata() {
      return [REFRESH];
    },
    async beginExport() {
      throw new Error("read-only");
    },
    async replaceTable() {
      throw new Error("read-only");
    },
    async ping() {},
    async close() {},
  };
}

/** The fixture as a frame sees it, loaded at NOW through the same parsing as the real loaders. */
export async function fixtureData(overrides: Partial<DashboardData> = {}, apiDown?: string): Promise<DashboardData> {
  return { ...(await loadLocal(memoryStore(), apiDown)), runs: RUNS, loadedAt: NOW, ...overrides };
}

/** What a person sees: the frame without escape codes, one string per line. */
export const plainLines = (frame: string): string[] => Bun.stripANSI(frame).split("\n");
