import { expect, test } from "bun:test";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GOLD_TABLE_NAMES } from "../../src/contract/gold-tables.ts";
import { goldKeys } from "../../src/contract/lake.ts";
import { readBytes } from "../../src/storage/object-store.ts";
import { S3Store } from "../../src/storage/s3.ts";
import { compiledElt } from "../support/compiled.ts";
import { RGW_MISSING, startRgw } from "../support/rgw.ts";

/**
 * The executable end to end on a production S3: `run --all` over about 100k purchases once
 * on Ceph's RADOS Gateway and once on the folder store must publish the same gold, byte for byte.
 */

const AS_OF = "2026-11-01";
const GOLD_CSVS = GOLD_TABLE_NAMES.map((table) => goldKeys.table(table)[1]);
/** Generating, two runs and reading back: seconds each here, far more on a busy machine. */
const TIMEOUT_MS = 300_000;

/** `elt ARGS` in `cwd`: exit code, stderr, stdout. */
async function run(elt: string, cwd: string, args: string[], env: Record<string, string> = {}) {
  const p = Bun.spawn([elt, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: cwd, NO_COLOR: "1", ...env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  return Promise.all([p.exited, new Response(p.stderr).text(), new Response(p.stdout).text()]);
}

const sha256 = (bytes: Uint8Array) => new Bun.CryptoHasher("sha256").update(bytes).digest("hex");

// One test, its setup inside: hooks of a skipped suite would count as skipped tests of their own.
test.skipIf(RGW_MISSING !== undefined)(
  "run --all on Ceph RGW: every gold CSV is byte-identical to the folder store's",
  async () => {
    const [elt, rgw] = await Promise.all([compiledElt(), startRgw()]);
    const dir = await mkdtemp(join(tmpdir(), "elt-rgw-e2e-"));
    try {
      const sources = join(dir, "sources");
      const purchases = ["--clients", "20000", "--avg-purchases", "5", "--as-of", AS_OF];
      const generated = await run(elt, dir, ["generate", ...purchases, "--out", sources]);
      expect(generated.slice(0, 2)).toEqual([0, ""]);

      const all = ["run", "--all", "--sources", sources, "--as-of", AS_OF, "--json"];
      const started = Date.now();
      const onRgw = await run(elt, dir, all, {
        ELT_HOME: join(dir, "rgw-home"),
        MINIO_ENDPOINT: `${rgw.config.endPoint}:${rgw.config.port}`,
        MINIO_ACCESS_KEY: rgw.config.accessKey,
        MINIO_SECRET_KEY: rgw.config.secretKey,
      });
      const rgwMs = Date.now() - started;
      expect(onRgw.slice(0, 2)).toEqual([0, ""]);
      const onFolder = await run(elt, dir, all, { ELT_HOME: join(dir, "folder-home") });
      expect(onFolder.slice(0, 2)).toEqual([0, ""]);
      console.log(`run --all on RGW: ${(rgwMs / 1000).toFixed(1)} s`);

      const gold = join(dir, "folder-home/lake/gold");
      const store = new S3Store(rgw.config);
      const folder: Record<string, string> = {};
      const gateway: Record<string, string> = {};
      for (const key of GOLD_CSVS) {
        folder[key] = sha256(await readFile(join(gold, key)));
        gateway[key] = sha256(await readBytes(store, "gold", key));
      }
      expect(gateway).toEqual(folder);
      // Real tables, not empty files that happen to match: one line per purchase kept.
      const fact = await readFile(join(gold, goldKeys.table("fact_achats")[1]), "utf8");
      expect(fact.split("\n").length).toBeGreaterThan(95_000);
    } finally {
      await rgw.stop();
      await rm(dir, { recursive: true, force: true });
    }
  },
  TIMEOUT_MS,
);
