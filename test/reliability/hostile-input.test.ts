import { DEFAULT_THRESHOLDS } from "../../src/quality/thresholds.ts";
import { RUNS_KEPT } from "../../src/config/environment.ts";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseCsv } from "../../src/formats/csv-reader.ts";
import { readParquetRows } from "../../src/formats/parquet.ts";
import { objectAsyncBuffer } from "../../src/pipeline/stored-parquet.ts";
import { pipelineFlow } from "../../src/flows/pipeline.ts";
import type { ColumnDef } from "../../src/contract/columns.ts";
import { SILVER_ACHAT_TYPES, SILVER_CLIENT_TYPES } from "../../src/contract/silver-tables.ts";
import type { RunRecord } from "../../src/runner/record.ts";
import { runFlow } from "../../src/runner/flow.ts";
import { FolderStore } from "../../src/storage/folder.ts";
import { readBytes } from "../../src/storage/object-store.ts";

/**
 * Sources built to hurt: huge fields, huge rows and headers, bytes that are not UTF-8, NUL
 * bytes, truncation and quote bombs. Each ends in a correct result or in a one-line error that
 * names the file (and line), never in a stack trace, a hang or unbounded memory. Runs that
 * must fail go through the CLI as a user would meet them, one process per layer, killed if it
 * hangs; the others go through the real flow in this process so their outputs can be read.
 */

const root = resolve(import.meta.dir, "../..");
const AS_OF = "2024-06-30";
const MiB = 1 << 20;
/** A process over this peak resident size failed to stream (a safety bound, not a benchmark). */
const RSS_BOUND = 600 * MiB;
/** Longer than any of these runs takes; a process still alive then is hung and killed. */
const PROCESS_TIMEOUT_MS = 60_000;

const CLIENT_HEADER = "id_client,nom,email,date_inscription,pays";
const ACHAT_HEADER = "id_achat,id_client,date_achat,montant,produit";
const CLIENTS = `${CLIENT_HEADER}\n1,Zoe,zoe@example.com,2024-01-01,France\n`;

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "elt-hostile-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A fresh sources folder holding these two files. */
async function sources(achats: string | Uint8Array, clients: string | Uint8Array = CLIENTS): Promise<string> {
  const src = await mkdtemp(join(dir, "sources-"));
  await writeFile(join(src, "clients.csv"), clients);
  await writeFile(join(src, "achats.csv"), achats);
  return src;
}

/** A deterministic byte generator (xorshift32), so a failure can be replayed. */
function randomBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const bytesOf = (...parts: (string | Uint8Array)[]) => Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p) : p)));

// ---------------------------------------------------------------------------------------------
// In this process: bronze and silver through the real flow, outputs read back

interface Lake {
  record: RunRecord;
  store: FolderStore;
}

async function runBronzeSilver(src: string): Promise<Lake> {
  const home = await mkdtemp(join(dir, "home-"));
  const store = new FolderStore(join(home, "lake"));
  await store.ensureBuckets();
  const flow = pipelineFlow({
    layers: ["bronze", "silver"],
    sources: src,
    asOf: AS_OF,
    force: false,
    config: { home, apiUrl: "http://localhost:8000", keepRuns: RUNS_KEPT },
    store,
    quality: { thresholds: DEFAULT_THRESHOLDS, enforce: false },
  });
  return { record: await runFlow(flow, { store, secrets: [], retryBaseMs: 1 }), store };
}

async function silverRows(lake: Lake, key: string, columns: readonly ColumnDef[]) {
  const rows = [];
  for await (const batch of readParquetRows(await objectAsyncBuffer(lake.store, "silver", key), columns)) rows.push(...batch);
  return rows;
}

/** The rejects file's data rows, as fields. */
async function rejects(lake: Lake, dataset: "clients" | "achats"): Promise<string[][]> {
  const key = `_rejects/${dataset}.csv`;
  const bytes = await readBytes(lake.store, "silver", key);
  const rows: string[][] = [];
  for await (const batch of parseCsv((async function* () { yield bytes; })(), { file: key })) {
    for (const r of batch) rows.push(r.fields);
  }
  return rows.slice(1);
}

/** reason and line of each reject, in file order. */
const reasons = (rows: string[][]) => rows.map((r) => `${r[5]}@${r[6]}`);

// ---------------------------------------------------------------------------------------------
// As a user: `elt run bronze`, then `elt run silver`, each its own process

interface Outcome {
  code: number | null;
  signal: string | number | null;
  stderr: string;
  maxRss: number;
}

async function elt(home: string, args: string[]): Promise<Outcome> {
  const child = Bun.spawn([process.execPath, join(root, "src/cli.ts"), ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, ELT_HOME: home, NO_COLOR: "1" },
    stdout: "pipe",
    stderr: "pipe",
    timeout: PROCESS_TIMEOUT_MS,
  });
  const [stderr] = await Promise.all([new Response(child.stderr).text(), new Response(child.stdout).text()]);
  await child.exited;
  return { code: child.exitCode, signal: child.signalCode, stderr, maxRss: child.resourceUsage()?.maxRSS ?? Number.POSITIVE_INFINITY };
}

/** Bronze keeps any bytes; silver is where they are judged. */
async function cliSilver(src: string): Promise<{ bronze: Outcome; silver: Outcome }> {
  const home = await mkdtemp(join(dir, "home-"));
  const bronze = await elt(home, ["run", "bronze", "--sources", src, "--as-of", AS_OF]);
  // Hostile data is mostly rejects: the rules and the reader are under test, not the quality gate.
  const silver = await elt(home, ["run", "silver", "--as-of", AS_OF, "--no-gate"]);
  return { bronze, silver };
}

/** Exit 1 and exactly one line on stderr: the failed task and its error, no stack trace. */
function expectOneLineFailure(o: Outcome): string {
  expect(o.signal).toBeNull();
  expect(o.code).toBe(1);
  expect(o.stderr).not.toMatch(/^\s+at /m);
  const lines = o.stderr.trimEnd().split("\n");
  expect(lines).toHaveLength(1);
  const [, error] = /^✖ silver +[\d.]+ s {2}(.*)$/.exec(lines[0]!) ?? [];
  expect(error).toBeDefined();
  return error!;
}

function expectSucceeded(o: Outcome) {
  expect(o.signal).toBeNull();
  expect(o.code).toBe(0);
}

// ---------------------------------------------------------------------------------------------

describe("hostile bytes stop silver with a one-line error", () => {
  test("random bytes", async () => {
    const { bronze, silver } = await cliSilver(await sources(randomBytes(64 * 1024, 0x9e3779b9)));
    expectSucceeded(bronze);
    expect(expectOneLineFailure(silver)).toMatch(/^achats\.csv:\d+: bytes are not valid UTF-8$/);
  }, 30_000);

  test("a valid header, then random bytes", async () => {
    const { silver } = await cliSilver(await sources(bytesOf(`${ACHAT_HEADER}\n`, randomBytes(64 * 1024, 12345))));
    expect(expectOneLineFailure(silver)).toMatch(/^achats\.csv:\d+: bytes are not valid UTF-8$/);
  }, 30_000);

  test("invalid UTF-8 past the first MiB names its line exactly", async () => {
    // 100,000 good rows (2.3 MB, several read chunks), then C3 28: a lead byte without its continuation.
    const rows = Array.from({ length: 100_000 }, (_, i) => `${i + 1},1,2024-01-01,10,Phone\n`).join("");
    const src = await sources(bytesOf(`${ACHAT_HEADER}\n`, rows, "100001,1,2024-01-01,10,Caf", new Uint8Array([0xc3, 0x28]), "\n"));
    const { silver } = await cliSilver(src);
    expect(expectOneLineFailure(silver)).toBe("achats.csv:100002: bytes are not valid UTF-8; as Latin-1 it would read \"100001,1,2024-01-01,10,CafÃ(\"; if so, convert the file: iconv -f WINDOWS-1252 -t UTF-8");
  }, 30_000);

  test("invalid UTF-8 on the second line of a quoted field names that line", async () => {
    const src = await sources(bytesOf(`${ACHAT_HEADER}\n1,1,2024-01-01,10,Phone\n2,1,2024-01-01,10,"two\nlines `, new Uint8Array([0xff]), `"\n`));
    const { silver } = await cliSilver(src);
    expect(expectOneLineFailure(silver)).toBe("achats.csv:4: bytes are not valid UTF-8; as Latin-1 it would read \"lines ÿ\\\"\"; if so, convert the file: iconv -f WINDOWS-1252 -t UTF-8");
  }, 30_000);

  test("a file cut in the middle of a character", async () => {
    const src = await sources(bytesOf(`${ACHAT_HEADER}\n1,1,2024-01-01,10,Caf`, new Uint8Array([0xc3])));
    const { silver } = await cliSilver(src);
    expect(expectOneLineFailure(silver)).toBe("achats.csv:2: bytes are not valid UTF-8; as Latin-1 it would read \"1,1,2024-01-01,10,CafÃ\"; if so, convert the file: iconv -f WINDOWS-1252 -t UTF-8");
  }, 30_000);

  test("a file cut in the middle of a quoted field", async () => {
    const whole = `${ACHAT_HEADER}\n1,1,2024-01-01,10,Phone\n2,1,2024-01-01,10,Tablet\n3,1,2024-01-01,10,"Gadget, Pro"\n`;
    const { silver } = await cliSilver(await sources(whole.slice(0, whole.indexOf("Gadget, P") + 9)));
    expect(expectOneLineFailure(silver)).toBe("achats.csv:4: quoted field is never closed");
  }, 30_000);

  test("an empty file", async () => {
    const { silver } = await cliSilver(await sources(""));
    expect(expectOneLineFailure(silver)).toBe(`achats.csv: the file is empty; expected the header "${ACHAT_HEADER}"`);
  }, 30_000);

  test("10,000 columns in the header: a short, clear header error", async () => {
    const header = [ACHAT_HEADER, ...Array.from({ length: 9_995 }, (_, i) => `extra_${i}`)].join(",");
    const { silver } = await cliSilver(await sources(`${header}\n1,1,2024-01-01,10,Phone\n`));
    const error = expectOneLineFailure(silver);
    expect(error.startsWith(`achats.csv:1: header must be exactly "${ACHAT_HEADER}"`)).toBe(true);
    expect(error).toContain("10000 columns");
    expect(error.length).toBeLessThan(400);
  }, 30_000);

  test("a header name holding a line break stays a one-line error", async () => {
    const { silver } = await cliSilver(await sources(`"id_achat\nDROP TABLE",id_client,date_achat,montant,produit\n1,1,2024-01-01,10,Phone\n`));
    expect(expectOneLineFailure(silver)).toStartWith(`achats.csv:1: header must be exactly "${ACHAT_HEADER}"`);
  }, 30_000);
});

describe("bombs hit the record cap: no hang, bounded memory", () => {
  const capError = (line: number) => `achats.csv:${line}: record is longer than ${4 * MiB} bytes`;

  async function bomb(body: string | Uint8Array): Promise<string> {
    const { bronze, silver } = await cliSilver(await sources(body));
    expectSucceeded(bronze);
    expect(bronze.maxRss).toBeLessThan(RSS_BOUND);
    expect(silver.maxRss).toBeLessThan(RSS_BOUND);
    return expectOneLineFailure(silver);
  }

  test("20 MB of quote characters", async () => {
    expect(await bomb(`${ACHAT_HEADER}\n${'"'.repeat(20 * MiB)}`)).toBe(capError(2));
  }, 60_000);

  test("a quote opened on line 3 and never closed over 30 MB of lines", async () => {
    const body = `${ACHAT_HEADER}\n1,1,2024-01-01,10,Phone\n2,1,2024-01-01,10,"${"never closed\n".repeat((30 * MiB) / 13)}`;
    expect(await bomb(body)).toBe(capError(3));
  }, 60_000);

  test("20 MB of commas on one line", async () => {
    expect(await bomb(`${ACHAT_HEADER}\n${",".repeat(20 * MiB)}\n`)).toBe(capError(2));
  }, 60_000);

  test("20 MB without a line break", async () => {
    expect(await bomb(`${ACHAT_HEADER}\n${"x".repeat(20 * MiB)}`)).toBe(capError(2));
  }, 60_000);
});

describe("hostile but valid data is judged by the rules", () => {
  const BIG = MiB;

  test("1 MB fields: kept or rejected as SPEC says, lines counted through a 524,288-line field", async () => {
    const lines = BIG / 2;
    const clients = [
      CLIENT_HEADER,
      `1,${"n".repeat(BIG)},a@b.c,2024-01-01,France`, // 2: kept
      `2,Upper,${"A".repeat(BIG)}@B.C,2024-01-01,France`, // 3: kept, lower-cased
      `3,Dots,a@${".".repeat(BIG)},2024-01-01,`, // 4: kept: [^@\s]+ \. [^@\s]+ matches dots
      `4,NoDot,a@${"b".repeat(BIG)},2024-01-01,`, // 5: invalid_email
      `${"9".repeat(BIG)},Huge,a@b.c,2024-01-01,`, // 6: invalid_id
      `${"0".repeat(BIG)}5,Zeros,a@b.c,2024-01-01,`, // 7: kept, id 5
      `6,Frac,a@b.c,2024-01-01T23:59:59.${"9".repeat(BIG)}+23:59,`, // 8: kept, 2024-01-01
      `7,LongDate,a@b.c,${"2".repeat(BIG)},`, // 9: invalid_date
      `8,Quotes,a@b.c,2024-01-01,"${'""'.repeat(BIG / 2)}"`, // 10: kept, pays is BIG/2 quotes
      `9,"${"x\n".repeat(lines)}",a@b.c,2024-01-01,`, // 11 to 11 + lines: kept, nom trimmed
      `1,Dup,a@b.c,2024-01-01,`, // 12 + lines: duplicate
    ].join("\n");
    const achats = [
      ACHAT_HEADER,
      `1,1,2024-01-01,${"0".repeat(BIG)}5,Phone`, // 2: kept, 5
      `2,1,2024-01-01,1${"0".repeat(BIG)},Phone`, // 3: invalid_amount (not finite)
      `3,1,2024-01-01,10,${"P".repeat(BIG)}`, // 4: kept, produit as written
      `${"0".repeat(BIG)}4,1,2024-01-01,10,Phone`, // 5: kept, id 4
      `5,1,2024-01-01,0.${"0".repeat(BIG)}1,Phone`, // 6: kept, the double nearest is 0
      `6,1,2024-01-01,-${"9".repeat(BIG)},Phone`, // 7: invalid_amount, before negative_amount
    ].join("\n");
    const lake = await runBronzeSilver(await sources(achats, clients));
    expect(lake.record.error).toBeUndefined();

    const kept = await silverRows(lake, "clients.parquet", SILVER_CLIENT_TYPES);
    expect(kept.map((c) => [c.id_client, String(c.nom).length, String(c.email).length, c.date_inscription])).toEqual([
      [1, BIG, 5, "2024-01-01"],
      [2, 5, BIG + 4, "2024-01-01"],
      [3, 4, BIG + 2, "2024-01-01"],
      [5, 5, 5, "2024-01-01"],
      [6, 4, 5, "2024-01-01"],
      [8, 6, 5, "2024-01-01"],
      [9, 2 * lines - 1, 5, "2024-01-01"],
    ]);
    expect(kept[0]!.nom).toBe("n".repeat(BIG));
    expect(kept[1]!.email).toBe(`${"a".repeat(BIG)}@b.c`);
    expect(kept[5]!.pays).toBe('"'.repeat(BIG / 2));
    expect(kept[6]!.nom).toBe("x\n".repeat(lines).trim());
    const clientRejects = await rejects(lake, "clients");
    expect(reasons(clientRejects)).toEqual(["invalid_email@5", "invalid_id@6", "invalid_date@9", `duplicate@${12 + lines}`]);
    expect(clientRejects[1]![0]).toBe("9".repeat(BIG));

    expect(await silverRows(lake, "achats.parquet", SILVER_ACHAT_TYPES)).toEqual([
      { id_achat: 1, id_client: 1, date_achat: "2024-01-01", montant: 5, produit: "Phone" },
      { id_achat: 3, id_client: 1, date_achat: "2024-01-01", montant: 10, produit: "P".repeat(BIG) },
      { id_achat: 4, id_client: 1, date_achat: "2024-01-01", montant: 10, produit: "Phone" },
      { id_achat: 5, id_client: 1, date_achat: "2024-01-01", montant: 0, produit: "Phone" },
    ]);
    expect(reasons(await rejects(lake, "achats"))).toEqual(["invalid_amount@3", "invalid_amount@7"]);
  }, 60_000);

  test("a file cut right after a comma: its last field is empty, not a copy of the one before", async () => {
    const lake = await runBronzeSilver(await sources(`${ACHAT_HEADER}\n1,1,2024-01-01,10,Phone\n2,1,2024-01-01,10,`));
    expect(lake.record.error).toBeUndefined();
    expect(await rejects(lake, "achats")).toEqual([["2", "1", "2024-01-01", "10", "", "missing_field", "3"]]);
  }, 30_000);

  test("10,000 columns in a row: malformed_row, its first five fields kept", async () => {
    const plain = `1,1,2024-01-01,10,Phone${",x".repeat(9_995)}`;
    const quoted = `"2","1","2024-01-01","10","Phone",${Array.from({ length: 9_995 }, () => '"x"').join(",")}`;
    const src = await sources([ACHAT_HEADER, plain, quoted, "3,1,2024-01-01,10,Phone"].join("\n") + "\n");
    const lake = await runBronzeSilver(src);
    expect(lake.record.error).toBeUndefined();
    expect(await rejects(lake, "achats")).toEqual([
      ["1", "1", "2024-01-01", "10", "Phone", "malformed_row", "2"],
      ["2", "1", "2024-01-01", "10", "Phone", "malformed_row", "3"],
    ]);
    expect((await silverRows(lake, "achats.parquet", SILVER_ACHAT_TYPES)).map((a) => a.id_achat)).toEqual([3]);
  }, 30_000);

  test("NUL bytes are data: not white space, not digits", async () => {
    const clients = [
      CLIENT_HEADER,
      "1,Zo\0e,a\0@b.c,2024-01-01,\0France", // 2: kept: NUL is neither trimmed nor \s; pays as written
      "2\0,Id,a@b.c,2024-01-01,", // 3: invalid_id
      "3,Date,a@b.c,2024-01-01\0,", // 4: invalid_date
      "\0", // 5: one field: malformed_row
      "4,\0,a@b.c,2024-01-01,France", // 6: kept: a lone NUL is not an empty field
    ].join("\n");
    const achats = [
      ACHAT_HEADER,
      "1,1,2024-01-01,1\0,Phone", // 2: invalid_amount
      "2,1,2024-01-01,5,Pho\0ne", // 3: kept, produit as written
    ].join("\n");
    const lake = await runBronzeSilver(await sources(achats, clients));
    expect(lake.record.error).toBeUndefined();
    expect(await silverRows(lake, "clients.parquet", SILVER_CLIENT_TYPES)).toEqual([
      { id_client: 1, nom: "Zo\0e", email: "a\0@b.c", date_inscription: "2024-01-01", pays: "\0France" },
      { id_client: 4, nom: "\0", email: "a@b.c", date_inscription: "2024-01-01", pays: "France" },
    ]);
    expect(await rejects(lake, "clients")).toEqual([
      ["2\0", "Id", "a@b.c", "2024-01-01", "", "invalid_id", "3"],
      ["3", "Date", "a@b.c", "2024-01-01\0", "", "invalid_date", "4"],
      ["\0", "", "", "", "", "malformed_row", "5"],
    ]);
    expect(await silverRows(lake, "achats.parquet", SILVER_ACHAT_TYPES)).toEqual([
      { id_achat: 2, id_client: 1, date_achat: "2024-01-01", montant: 5, produit: "Pho\0ne" },
    ]);
    expect(reasons(await rejects(lake, "achats"))).toEqual(["invalid_amount@2"]);
  }, 30_000);

  test("CSV-shaped noise: every run ends in a result that adds up or a one-line error", async () => {
    const alphabet = Buffer.from('"",,,\n\r 1a.-');
    for (let seed = 1; seed <= 25; seed++) {
      const noise = randomBytes(4096, seed * 2654435761).map((b) => alphabet[b % alphabet.length]!);
      const { record, store } = await runBronzeSilver(await sources(bytesOf(`${ACHAT_HEADER}\n`, noise)));
      const silver = record.tasks.find((t) => t.name === "silver")!;
      if (silver.state === "failed") {
        expect(silver.error).toMatch(/^achats\.csv:\d+: quoted field is never closed$/);
        continue;
      }
      expect(silver.state).toBe("succeeded");
      const m = silver.metrics as { achats: { rows_in: number; kept: number; rejects: Record<string, number> } };
      const rejected = Object.values(m.achats.rejects).reduce((a, b) => a + b, 0);
      expect(m.achats.kept + rejected).toBe(m.achats.rows_in);
      expect((await rejects({ record, store }, "achats")).length).toBe(rejected);
    }
  }, 60_000);
});
