import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GOLD_TABLE_NAMES } from "../../src/contract/gold-tables.ts";
import { goldKeys } from "../../src/contract/lake.ts";
import { readBytes } from "../../src/storage/object-store.ts";
import { S3Store } from "../../src/storage/s3.ts";
import { compiledElt } from "../support/compiled.ts";
import { RGW_MISSING, startRgw, type RunningRgw } from "../support/rgw.ts";

/**
 * The executable end to end on a production S3: `run --all` over about 100k purchases once
 * on Ceph's RADOS Gateway and once on the folder store must publish the same gold, byte for byte.
 */

const AS_OF = "2026-11-01";
const GOLD_CSVS = GOLD_TABLE_NAMES.map((table) => goldKeys.table(table)[1]);
/** Generating, two runs and reading back: seconds each here, far more on a busy machine. */
const TIMEOUT_MS = 300_000;

if (RGW_MISSING) console.log(RGW_MISSING);

describe.skipIf(RGW_MISSING !== undefined)("run --all on Ceph RGW", () => {
  let dir: string;
  let elt: string;
  let rgw: RunningRgw;

  const run = (args: string[], env: Record<string, string>) => {
    const p = Bun.spawn([elt, ...args], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, NO_COLOR: "1", ...env },
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    return Promise.all([p.exited, new Response(p.stderr).text(), new Response(p.stdout).text()]);
  };
  const sha256 = (bytes: Uint8Array) => new Bun.CryptoHasher("sha256").update(bytes).digest("hex");

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "elt-rgw-e2e-"));
    [elt, rgw] = await Promise.all([compiledElt(), startRgw()]);
    const [code, err] = await run(
      ["generate", "--clients", "20000", "--avg-purchases", "5", "--as-of", AS_OF, "--out", join(dir, "sources")],
      {},
    );
    expect(err).toBe("");
    expect(code).toBe(0);
  }, TIMEOUT_MS);
  afterAll(async () => {
    await rgw?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test(
    "every gold CSV is byte-identical to the folder store's",
    async () => {
      const all = ["run", "--all", "--sources", join(dir, "sources"), "--as-of", AS_OF, "--json"];
      const s3 = {
        MINIO_ENDPOINT: `${rgw.config.endPoint}:${rgw.config.port}`,
        MINIO_ACCESS_KEY: rgw.config.accessKey,
        MINIO_SECRET_KEY: rgw.config.secretKey,
      };
      const started = Date.now();
      const onRgw = await run(all, { ELT_HOME: join(dir, "rgw-home"), ...s3 });
      const rgwMs = Date.now() - started;
      expect(onRgw[1]).toBe("");
      expect(onRgw[0]).toBe(0);
      const onFolder = await run(all, { ELT_HOME: join(dir, "folder-home") });
      expect(onFolder[1]).toBe("");
      expect(onFolder[0]).toBe(0);
      console.log(`run --all on RGW: ${(rgwMs / 1000).toFixed(1)} s`);

      const store = new S3Store(rgw.config);
      const folder: Record<string, string> = {};
      const gateway: Record<string, string> = {};
      for (const key of GOLD_CSVS) {
        folder[key] = sha256(await readFile(join(dir, "folder-home/lake/gold", key)));
        gateway[key] = sha256(await readBytes(store, "gold", key));
      }
      expect(gateway).toEqual(folder);
      // Real tables, not empty files that happen to match: one line per purchase kept.
      const fact = await readFile(join(dir, "folder-home/lake/gold", goldKeys.table("fact_achats")[1]), "utf8");
      expect(fact.split("\n").length).toBeGreaterThan(95_000);
    },
    TIMEOUT_MS,
  );
});
