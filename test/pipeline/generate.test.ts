import { afterAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Papa from "papaparse";
import { generateCommand } from "../../src/commands/generate.ts";
import { UsageError } from "../../src/core/errors.ts";
import { generate, generateFiles, type GenerateOptions, type GenerateReport } from "../../src/pipeline/generate/index.ts";
import { COUNTRIES, PRODUCTS } from "../../src/contract/sources.ts";

const temps: string[] = [];
const tempDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), "elt-generate-"));
  temps.push(dir);
  return dir;
};
afterAll(() => Promise.all(temps.map((d) => rm(d, { recursive: true, force: true }))));

const BASE: GenerateOptions = { clients: 300, avgPurchases: 5, seed: 1, asOf: "2024-06-15", dirtyRate: 0.02 };

/** Runs the generator into strings, checking that every batch ends on a line boundary. */
async function run(options: Partial<GenerateOptions> = {}) {
  const text = { clients: "", achats: "" };
  const sink = (name: keyof typeof text) => ({
    write(batch: string) {
      expect(batch.endsWith("\n")).toBe(true);
      text[name] += batch;
    },
  });
  const report = await generate({ ...BASE, ...options }, { clients: sink("clients"), achats: sink("achats") });
  return { ...text, report };
}

// ---------------------------------------------------------------------------------------------
// An independent reading of SPEC's silver rules, written from the contract for this test only.

const DAY = 86_400_000;

function dayOf(year: number, month: number, day: number): number | null {
  if (year < 1 || month < 1 || month > 12 || day < 1) return null;
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  return d.getUTCMonth() === month - 1 && d.getUTCDate() === day ? d.getTime() / DAY : null;
}

function parseDate(s: string): number | null {
  let m = /^(\d{4})[-/](\d{2})[-/](\d{2})$/.exec(s);
  if (m && s[4] === s[7]) return dayOf(+m[1]!, +m[2]!, +m[3]!);
  m = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(s);
  if (m) return dayOf(+m[3]!, +m[2]!, +m[1]!);
  m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))?$/.exec(s);
  if (!m || +m[4]! > 23 || +m[5]! > 59 || +m[6]! > 59) return null;
  if (m[9] !== undefined && (+m[9] > 23 || +m[10]! > 59)) return null;
  return dayOf(+m[1]!, +m[2]!, +m[3]!);
}

function parseId(s: string): number | null {
  const m = /^(\d+)(\.0+)?$/.exec(s);
  if (!m) return null;
  const n = BigInt(m[1]!);
  return n > 0n && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : null;
}

function parseAmount(s: string): number | null {
  if (!/^-?\d+([.,]\d+)?$/.test(s)) return null;
  const n = Number(s.replace(",", "."));
  return Number.isFinite(n) ? n : null;
}

const records = (text: string) =>
  Papa.parse<string[]>(text, { delimiter: ",", skipEmptyLines: true }).data.slice(1).map((r) => r.map((f) => f.trim() || null));

const tally = (codes: string[]) => {
  const out: Record<string, number> = {};
  for (const c of codes) out[c] = (out[c] ?? 0) + 1;
  return out;
};

interface Audit {
  clients: Record<string, number>;
  achats: Record<string, number>;
  orphans: number;
  keptClients: Map<number, number>;
  keptAchats: { client: number; day: number; amount: number; produit: string }[];
}

function audit(clientsText: string, achatsText: string, asOf: string): Audit {
  const asOfDay = parseDate(asOf)!;
  const keptClients = new Map<number, number>();
  const clientCodes: string[] = [];
  for (const f of records(clientsText)) {
    const [id, nom, email, date] = f;
    let code = "";
    if (f.length !== 5) code = "malformed_row";
    else if (id == null || nom == null || email == null || date == null) code = "missing_field";
    else if (parseId(id) === null) code = "invalid_id";
    else if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email.toLowerCase())) code = "invalid_email";
    else if (parseDate(date) === null) code = "invalid_date";
    else if (parseDate(date)! > asOfDay) code = "future_date";
    else if (keptClients.has(parseId(id)!)) code = "duplicate";
    else keptClients.set(parseId(id)!, parseDate(date)!);
    if (code) clientCodes.push(code);
  }

  const rows = records(achatsText);
  const early = rows.map((f): string => {
    if (f.length !== 5) return "malformed_row";
    if (f.some((v) => v == null)) return "missing_field";
    if (parseId(f[0]!) === null || parseId(f[1]!) === null) return "invalid_id";
    const amount = parseAmount(f[3]!);
    if (amount === null) return "invalid_amount";
    return amount < 0 ? "negative_amount" : "";
  });
  const amounts = rows.filter((_, i) => early[i] === "").map((f) => parseAmount(f[3]!)!);
  amounts.sort((a, b) => a - b);
  const p = 0.99 * (amounts.length - 1);
  const lo = amounts[Math.floor(p)] ?? 0;
  const q99 = lo + (p - Math.floor(p)) * ((amounts[Math.ceil(p)] ?? 0) - lo);

  const keptIds = new Set<number>();
  const keptAchats: Audit["keptAchats"] = [];
  const achatCodes: string[] = [];
  let orphans = 0;
  rows.forEach((f, i) => {
    let code = early[i]!;
    if (!code) {
      const day = parseDate(f[2]!);
      const id = parseId(f[0]!)!;
      const client = parseId(f[1]!)!;
      if (parseAmount(f[3]!)! > 2 * q99) code = "outlier_amount";
      else if (day === null) code = "invalid_date";
      else if (day > asOfDay) code = "future_date";
      else if (day < asOfDay - 3650) code = "too_old";
      else if (keptIds.has(id)) code = "duplicate";
      else {
        keptIds.add(id);
        keptAchats.push({ client, day, amount: parseAmount(f[3]!)!, produit: f[4]! });
        if (!keptClients.has(client)) orphans++;
      }
    }
    if (code) achatCodes.push(code);
  });
  return { clients: tally(clientCodes), achats: tally(achatCodes), orphans, keptClients, keptAchats };
}

const nonZero = (counts: Record<string, number>) => Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));

function expectAuditMatches(text: { clients: string; achats: string; report: GenerateReport }) {
  const found = audit(text.clients, text.achats, text.report.asOf);
  expect(found.clients).toEqual(nonZero(text.report.clients.defects));
  expect(found.achats).toEqual(nonZero(text.report.achats.defects));
  expect(found.orphans).toBe(text.report.achats.orphans);
  return found;
}

// ---------------------------------------------------------------------------------------------

describe("generate", () => {
  test("writes SPEC's headers and as many records as it reports", async () => {
    const out = await run();
    expect(out.clients.slice(0, out.clients.indexOf("\n"))).toBe("id_client,nom,email,date_inscription,pays");
    expect(out.achats.slice(0, out.achats.indexOf("\n"))).toBe("id_achat,id_client,date_achat,montant,produit");
    expect(records(out.clients).length).toBe(out.report.clients.rows);
    expect(records(out.achats).length).toBe(out.report.achats.rows);
    // 300 distinct clients plus one extra row per duplicate
    expect(out.report.clients.rows).toBe(300 + out.report.clients.defects.duplicate);
  });

  test("injects every reject code, in exactly the counts an independent reading of SPEC finds", async () => {
    const out = await run({ clients: 2000, dirtyRate: 0.05, seed: 9 });
    for (const n of Object.values(out.report.clients.defects)) expect(n).toBeGreaterThan(0);
    for (const n of Object.values(out.report.achats.defects)) expect(n).toBeGreaterThan(0);
    expect(out.report.achats.orphans).toBeGreaterThan(0);
    expectAuditMatches(out);
  });

  test("keeps outliers rare enough at the highest rate for q99 to stay a normal price", async () => {
    const out = await run({ clients: 4000, avgPurchases: 3, dirtyRate: 0.5, seed: 3 });
    const { outlier_amount } = out.report.achats.defects;
    expect(outlier_amount).toBeGreaterThan(0);
    expect(outlier_amount).toBeLessThan(0.005 * out.report.achats.rows);
    expectAuditMatches(out);
  });

  test("reports exact counts for any size, rate and seed, down to a single client", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          clients: fc.integer({ min: 1, max: 150 }),
          avgPurchases: fc.double({ min: 0.5, max: 8, noNaN: true }),
          dirtyRate: fc.double({ min: 0, max: 0.5, noNaN: true }),
          seed: fc.integer({ min: 0, max: 0xffff_ffff }),
        }),
        async (o) => {
          expectAuditMatches(await run(o));
        },
      ),
      { numRuns: 60 },
    );
  });

  test("with dirty-rate 0 every row is valid and the dates fall in their windows", async () => {
    const out = await run({ clients: 500, dirtyRate: 0 });
    expect(nonZero(out.report.clients.defects)).toEqual({});
    expect(nonZero(out.report.achats.defects)).toEqual({});
    expect(out.report.achats.orphans).toBe(0);
    const found = expectAuditMatches(out);
    expect(found.keptClients.size).toBe(500);
    expect(found.keptAchats.length).toBe(out.report.achats.rows);

    // as_of 2024-06-15: sign-ups from 2021-06-15 to 2024-05-15, purchases from 2021-06-15 to as_of
    const [first, lastSignup, asOf] = ["2021-06-15", "2024-05-15", "2024-06-15"].map((d) => parseDate(d)!);
    for (const signup of found.keptClients.values()) {
      expect(signup).toBeGreaterThanOrEqual(first!);
      expect(signup).toBeLessThanOrEqual(lastSignup!);
    }
    const products = new Map(Object.entries(PRODUCTS).map(([p, range]) => [p.toLowerCase(), range]));
    for (const a of found.keptAchats) {
      expect(a.day).toBeGreaterThanOrEqual(found.keptClients.get(a.client)!);
      expect(a.day).toBeLessThanOrEqual(asOf!);
      const [lo, hi] = products.get(a.produit.toLowerCase())!;
      expect(a.amount).toBeGreaterThanOrEqual(lo);
      expect(a.amount).toBeLessThanOrEqual(hi);
      expect(Math.round(a.amount * 100) / 100).toBe(a.amount);
    }
    const countries = new Set(COUNTRIES.map((c) => c.toLowerCase()));
    for (const f of records(out.clients)) if (f[4] != null) expect(countries.has(f[4].toLowerCase())).toBe(true);
  });

  test("purchases per client centre on the average and are never fewer than one", async () => {
    const { report, achats } = await run({ clients: 2000, avgPurchases: 4, dirtyRate: 0 });
    const perClient = tally(records(achats).map((f) => f[1]!));
    expect(Object.keys(perClient).length).toBe(2000);
    expect(Math.min(...Object.values(perClient))).toBeGreaterThanOrEqual(1);
    expect(report.achats.rows / 2000).toBeGreaterThan(3.8);
    expect(report.achats.rows / 2000).toBeLessThan(4.2);
  });

  test("clean data still varies the way real sources do", async () => {
    const { clients, achats } = await run({ clients: 1000, dirtyRate: 0 });
    const missing = (text: string, patterns: RegExp[]) => patterns.filter((p) => !p.test(text));
    expect(
      missing(clients, [
        /\n\d+,"[^"\n]*, [^"\n]*",/, // a name holding a comma, quoted
        /\n\d+,"[^"\n]*""[A-Za-z]+""[^"\n]*",/, // a name holding quotes
        /[éèëïçô]/,
        /,\d{4}\/\d{2}\/\d{2},/,
        /,\d{2}\/\d{2}\/\d{4},/,
        /,\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}/,
        /,(france|FRANCE|spain|SPAIN|uk|italy|ITALY)\n/,
        /," [A-Za-z]+ "\n/,
        /,\n/, // no country
      ]),
    ).toEqual([]);
    expect(missing(achats, [/,"\d+,\d{2}",/, /,(laptop|LAPTOP|phone|PHONE|mouse|MOUSE)\n/])).toEqual([]);
  });

  test("same seed and options give the same bytes; another seed gives other data", async () => {
    const dirs = [await tempDir(), await tempDir(), await tempDir()];
    const options = { ...BASE, clients: 800, dirtyRate: 0.1 };
    const a = await generateFiles(options, dirs[0]!);
    await generateFiles(options, dirs[1]!);
    await generateFiles({ ...options, seed: 2 }, dirs[2]!);
    const bytes = (dir: string, file: string) => Bun.file(join(dir, file)).bytes();
    for (const file of ["clients.csv", "achats.csv"]) {
      expect(await bytes(dirs[1]!, file)).toEqual(await bytes(dirs[0]!, file));
      expect(await bytes(dirs[2]!, file)).not.toEqual(await bytes(dirs[0]!, file));
    }
    expect(a.files).toEqual({ clients: join(dirs[0]!, "clients.csv"), achats: join(dirs[0]!, "achats.csv") });
    expect((await readdir(dirs[0]!)).sort()).toEqual(["achats.csv", "clients.csv"]);
  });

  test("files written through generateFiles hold what the report says", async () => {
    const dir = await tempDir();
    const report = await generateFiles({ ...BASE, dirtyRate: 0.2, seed: 5 }, dir);
    const text = { clients: await Bun.file(report.files.clients).text(), achats: await Bun.file(report.files.achats).text() };
    expectAuditMatches({ ...text, report });
  });
});

describe("generate command", () => {
  const capture = () => {
    let text = "";
    return { write: (s: string) => (text += s), isTTY: false, get text() { return text; } };
  };

  test("prints the report as JSON with --json", async () => {
    const out = await tempDir();
    const stdout = capture();
    const code = await generateCommand({ out, clients: "50", seed: 12, asOf: "2023-01-31", dirtyRate: 0.1, json: true }, stdout);
    expect(code).toBe(0);
    const report = JSON.parse(stdout.text);
    expect(report.seed).toBe(12);
    expect(report.asOf).toBe("2023-01-31");
    expect(report.files.clients).toBe(join(out, "clients.csv"));
    expect(report.clients.rows).toBe(records(await Bun.file(join(out, "clients.csv")).text()).length);
  });

  test("prints a plain summary without escape codes when stdout is not a terminal, nothing when quiet", async () => {
    const stdout = capture();
    await generateCommand({ out: await tempDir(), clients: 20, seed: 1, asOf: "2024-01-01" }, stdout);
    expect(stdout.text).toContain("clients.csv");
    expect(stdout.text).toContain("--seed 1 --as-of 2024-01-01");
    expect(stdout.text).not.toContain("\x1b[");
    const quiet = capture();
    await generateCommand({ out: await tempDir(), clients: 20, quiet: true }, quiet);
    expect(quiet.text).toBe("");
  });

  test.each([
    [{ clients: "abc" }, "--clients"],
    [{ clients: 0 }, "--clients"],
    [{ clients: 2.5 }, "--clients"],
    [{ avgPurchases: -1 }, "--avg-purchases"],
    [{ seed: -3 }, "--seed"],
    [{ asOf: "2024-02-30" }, "--as-of"],
    [{ asOf: "0999-12-31" }, "--as-of"],
    [{ dirtyRate: 0.7 }, "--dirty-rate"],
    [{ dirtyRate: "x" }, "--dirty-rate"],
  ])("rejects %o with a usage error naming %s", async (bad, option) => {
    const attempt = generateCommand({ out: await tempDir(), ...bad } as Parameters<typeof generateCommand>[0], capture());
    await expect(attempt).rejects.toThrow(UsageError);
    await expect(attempt).rejects.toThrow(option);
  });
});
