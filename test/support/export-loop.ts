/**
 * A writer in its own process, as a real export is: swaps two versions of fact_achats and kpis
 * in the SQLite serving store at argv[2] for argv[3] seconds, then prints how many it did.
 */
import type { Row } from "../../src/contract/columns.ts";
import { openSqliteStore } from "../../src/serving/sqlite/sqlite.ts";
import { GOLD, batches } from "../api/fixture.ts";

export const facts = (n: number, montant: number): Row[] =>
  Array.from({ length: n }, (_, i) => ({ ...GOLD.fact_achats[0]!, id_achat: i + 1, montant }));
export const VERSIONS = [
  { fact: facts(3000, 10), kpis: [{ ...GOLD.kpis[0]!, nb_achats_total: 3000 }] },
  { fact: facts(2000, 20), kpis: [{ ...GOLD.kpis[0]!, nb_achats_total: 2000 }] },
];

if (import.meta.main) {
  const [path, seconds] = [process.argv[2]!, Number(process.argv[3])];
  const store = openSqliteStore(path);
  const deadline = Date.now() + seconds * 1000;
  let exports = 0;
  while (Date.now() < deadline) {
    const v = VERSIONS[++exports % 2]!;
    await store.replaceTable("fact_achats", batches(v.fact, 500), `v${exports}`);
    await store.replaceTable("kpis", batches(v.kpis), `v${exports}`);
  }
  await store.close();
  console.log(exports);
}
