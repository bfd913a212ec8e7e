import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, type S3Config } from "../../src/config/environment.ts";
import { StoreError, UsageError } from "../../src/core/errors.ts";
import { FolderStore } from "../../src/storage/folder.ts";
import { BUCKETS, listAll, readBytes, readText, type ListPage, type ObjectStore } from "../../src/storage/object-store.ts";
import { S3Store } from "../../src/storage/s3.ts";
import { RGW_MISSING, startRgw } from "../support/rgw.ts";
import { startS3rver } from "../support/s3rver.ts";
import { caught } from "../support/caught.ts";

/**
 * One suite, every backend: what a layer may rely on whichever store it is handed. Adding a
 * backend is adding an entry to `backends`.
 */

interface Backend {
  name: string;
  /** Starts empty, so buckets can be seen missing before ensureBuckets. */
  fresh: boolean;
  /** Lists in byte order even across folder boundaries (s3rver walks its files instead). */
  exactOrder: boolean;
  /** Set for S3 backends, for the credential checks. */
  s3?: S3Config;
  open(): Promise<{ store: ObjectStore; close(): Promise<void> }>;
}

// Small parts, so the streamed object below goes through a multipart upload on S3.
const S3_OPTIONS = { partSize: 5 << 20, retries: 1, retryBaseMs: 10 };

const backends: Backend[] = [
  {
    name: "folder",
    fresh: true,
    exactOrder: true,
    async open() {
      const dir = await mkdtemp(join(tmpdir(), "elt-folder-"));
      return { store: new FolderStore(dir), close: () => rm(dir, { recursive: true, force: true }) };
    },
  },
];

const s3rver = await startS3rver();
afterAll(() => s3rver.stop());
backends.push({
  name: "s3 (s3rver)",
  fresh: true,
  exactOrder: false,
  s3: s3rver.config,
  async open() {
    return { store: new S3Store(s3rver.config, S3_OPTIONS), close: async () => {} };
  },
});

if (!RGW_MISSING) {
  const rgw = await startRgw();
  afterAll(() => rgw.stop());
  backends.push({
    name: "s3 (Ceph RGW)",
    fresh: true,
    exactOrder: true,
    s3: rgw.config,
    async open() {
      return { store: new S3Store(rgw.config, S3_OPTIONS), close: async () => {} };
    },
  });
}

const real = {
  MINIO_ENDPOINT: process.env.ELT_TEST_S3_ENDPOINT,
  MINIO_ACCESS_KEY: process.env.ELT_TEST_S3_ACCESS_KEY,
  MINIO_SECRET_KEY: process.env.ELT_TEST_S3_SECRET_KEY,
  MINIO_SECURE: process.env.ELT_TEST_S3_SECURE,
};
if (real.MINIO_ENDPOINT && real.MINIO_ACCESS_KEY && real.MINIO_SECRET_KEY) {
  const config = loadConfig(real).s3!;
  backends.push({
    name: `s3 (MinIO at ${real.MINIO_ENDPOINT})`,
    fresh: false,
    exactOrder: true,
    s3: config,
    async open() {
      return { store: new S3Store(config, S3_OPTIONS), close: async () => {} };
    },
  });
} else {
  console.log(
    "real-MinIO contract skipped: set ELT_TEST_S3_ENDPOINT, ELT_TEST_S3_ACCESS_KEY and ELT_TEST_S3_SECRET_KEY to run it",
  );
}

/** Every key of a run lives under its own prefix, so a shared MinIO is left as it was found. */
const RUN = `elt-contract-${process.pid}-${Date.now().toString(36)}/`;
const k = (name: string) => RUN + name;

const keysOf = (page: ListPage) => page.items.map((i) => i.key);

/** Deterministic bytes (xorshift32), produced a chunk at a time so no copy of the whole exists. */
async function* pseudoRandom(total: number, chunkSize: number, seed: number, hash: Bun.CryptoHasher) {
  let x = seed;
  for (let sent = 0; sent < total; sent += chunkSize) {
    const chunk = new Uint8Array(Math.min(chunkSize, total - sent));
    for (let i = 0; i < chunk.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      chunk[i] = x & 0xff;
    }
    hash.update(chunk);
    yield chunk;
  }
}

for (const backend of backends) {
  describe(`ObjectStore contract: ${backend.name}`, () => {
    let store: ObjectStore;
    let close: () => Promise<void>;

    beforeAll(async () => {
      ({ store, close } = await backend.open());
    });
    afterAll(async () => {
      for (const bucket of BUCKETS) {
        for await (const info of listAll(store, bucket, RUN)) await store.delete(bucket, info.key);
      }
      await close();
    });

    test("ensureBuckets creates the missing buckets, and says which were missing", async () => {
      if (backend.fresh) expect(await store.missingBuckets()).toEqual([...BUCKETS]);
      await store.ensureBuckets();
      expect(await store.missingBuckets()).toEqual([]);
      // A second call has nothing left to do and does not fail.
      await store.ensureBuckets(["gold"]);
    });

    test("bytes round-trip exactly: all 256 byte values", async () => {
      const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
      const info = await store.put("bronze", k("bytes.bin"), bytes);
      expect([info.key, info.size]).toEqual([k("bytes.bin"), 256]);
      expect(await readBytes(store, "bronze", k("bytes.bin"))).toEqual(bytes);
      const stat = await store.stat("bronze", k("bytes.bin"));
      expect([stat?.key, stat?.size]).toEqual([k("bytes.bin"), 256]);
      expect(stat!.modified).toBeGreaterThan(Date.UTC(2020, 0, 1));
    });

    test("text is stored as UTF-8", async () => {
      // h é(2) l l o ␠ ✓(3) ␠ 🎉(4): 15 bytes
      const info = await store.put("silver", k("text.txt"), "héllo ✓ 🎉");
      expect(info.size).toBe(15);
      expect(await readText(store, "silver", k("text.txt"))).toBe("héllo ✓ 🎉");
      expect((await store.stat("silver", k("text.txt")))?.size).toBe(15);
    });

    test("a streamed object of 20 MB goes in and comes out in chunks, unchanged", async () => {
      const size = 20 * 1024 * 1024 + 12_345;
      const sent = new Bun.CryptoHasher("sha256");
      const info = await store.put("bronze", k("big/stream.bin"), pseudoRandom(size, 64 * 1024, 2463534242, sent));
      expect(info.size).toBe(size);
      expect((await store.stat("bronze", k("big/stream.bin")))?.size).toBe(size);

      const received = new Bun.CryptoHasher("sha256");
      let total = 0;
      let chunks = 0;
      for await (const chunk of await store.get("bronze", k("big/stream.bin"))) {
        received.update(chunk);
        total += chunk.byteLength;
        chunks++;
      }
      expect(total).toBe(size);
      expect(chunks).toBeGreaterThan(1);
      expect(received.digest("hex")).toBe(sent.digest("hex"));
    });

    test("a body that writes every chunk into one reused buffer is stored as it was sent", async () => {
      const buffer = new Uint8Array(1000);
      async function* reusing() {
        for (let i = 0; i < 50; i++) {
          buffer.fill(i);
          yield buffer;
        }
      }
      await store.put("bronze", k("reused.bin"), reusing());
      const stored = await readBytes(store, "bronze", k("reused.bin"));
      expect(stored.length).toBe(50_000);
      for (let i = 0; i < 50; i++) expect([i, stored[i * 1000], stored[i * 1000 + 999]]).toEqual([i, i, i]);
    });

    test("a short streamed body and an empty one", async () => {
      const hash = new Bun.CryptoHasher("sha256");
      await store.put("bronze", k("small.bin"), pseudoRandom(3000, 1000, 7, hash));
      const bytes = await readBytes(store, "bronze", k("small.bin"));
      expect(bytes.length).toBe(3000);
      expect(new Bun.CryptoHasher("sha256").update(bytes).digest("hex")).toBe(hash.digest("hex"));

      async function* nothing(): AsyncIterable<Uint8Array> {}
      expect((await store.put("bronze", k("empty.bin"), nothing())).size).toBe(0);
      expect((await readBytes(store, "bronze", k("empty.bin"))).length).toBe(0);
      expect((await store.stat("bronze", k("empty.bin")))?.size).toBe(0);
    });

    test("a reader sees the old object until a streamed write is complete", async () => {
      const key = k("atomic/object.bin");
      await store.put("gold", key, "old");
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let firstTaken!: () => void;
      const halfway = new Promise<void>((resolve) => (firstTaken = resolve));
      async function* body() {
        yield new Uint8Array(1000).fill(1);
        firstTaken();
        await gate;
        yield new Uint8Array(1000).fill(2);
      }
      const writing = store.put("gold", key, body());
      await halfway;
      expect(await readText(store, "gold", key)).toBe("old");
      expect((await store.stat("gold", key))?.size).toBe(3);
      // Nothing half-written shows up next to it either.
      expect(keysOf(await store.listPage("gold", k("atomic/")))).toEqual([key]);
      release();
      await writing;
      const bytes = await readBytes(store, "gold", key);
      expect([bytes.length, bytes[0], bytes[999], bytes[1000], bytes[1999]]).toEqual([2000, 1, 1, 2, 2]);
      expect(keysOf(await store.listPage("gold", k("atomic/")))).toEqual([key]);
    });

    test("listings come in pages: 25 keys with limit 10, then listAll", async () => {
      const names = Array.from({ length: 25 }, (_, i) => k(`page/${String(i).padStart(2, "0")}.txt`));
      for (const [i, name] of names.entries()) await store.put("runs", name, String(i));

      const first = await store.listPage("runs", k("page/"), { limit: 10 });
      expect(keysOf(first)).toEqual(names.slice(0, 10));
      expect(first.next).toBe(names[9]);
      const second = await store.listPage("runs", k("page/"), { after: first.next, limit: 10 });
      expect(keysOf(second)).toEqual(names.slice(10, 20));
      expect(second.next).toBe(names[19]);
      const third = await store.listPage("runs", k("page/"), { after: second.next, limit: 10 });
      expect(keysOf(third)).toEqual(names.slice(20));
      expect(third.next).toBeUndefined();
      // "1" is one byte, "12" two.
      expect(first.items[1]!.size).toBe(1);
      expect(second.items[2]!.size).toBe(2);

      // A last page that is exactly full says there is no more.
      const tail = await store.listPage("runs", k("page/"), { after: names[14], limit: 10 });
      expect(keysOf(tail)).toEqual(names.slice(15));
      expect(tail.next).toBeUndefined();

      const all: string[] = [];
      for await (const info of listAll(store, "runs", k("page/"))) all.push(info.key);
      expect(all).toEqual(names);
    });

    test("a prefix filters keys as text, not as folders", async () => {
      const names = ["pre/a.csv", "pre/ab/c.csv", "pre/b.csv", "pre-x", "prefix.txt", "other/pre/a.csv"];
      for (const name of names) await store.put("silver", k(`pfx/${name}`), name);
      const list = async (prefix: string) => {
        const keys = keysOf(await store.listPage("silver", k(`pfx/${prefix}`))).map((key) => key.slice(k("pfx/").length));
        return backend.exactOrder ? keys : keys.sort();
      };
      expect(await list("pre/")).toEqual(["pre/a.csv", "pre/ab/c.csv", "pre/b.csv"]);
      expect(await list("pre/a")).toEqual(["pre/a.csv", "pre/ab/c.csv"]);
      expect(await list("pre")).toEqual(["pre-x", "pre/a.csv", "pre/ab/c.csv", "pre/b.csv", "prefix.txt"]);
      expect(await list("nothing/")).toEqual([]);
      expect(keysOf(await store.listPage("runs", k("pfx/")))).toEqual([]);
    });

    test.if(backend.exactOrder)("keys are listed in UTF-8 byte order, across folders and pages", async () => {
      // '-' 2d < '.' 2e < '/' 2f < 'a' 61; é c3a9 < Ａ (U+FF21) efbca1 < 😀 f09f9880,
      // where JavaScript's default sort would put 😀 (a surrogate pair) before Ａ.
      const expected = ["a-b", "a.txt", "a/x", "a/y/z", "aa", "b", "z", "é", "\uff21", "😀"];
      for (const name of [...expected].reverse()) await store.put("gold", k(`order/${name}`), name);
      const strip = (keys: string[]) => keys.map((key) => key.slice(k("order/").length));
      expect(strip(keysOf(await store.listPage("gold", k("order/"))))).toEqual(expected);

      const paged: string[] = [];
      let after: string | undefined;
      do {
        const page = await store.listPage("gold", k("order/"), { after, limit: 3 });
        paged.push(...keysOf(page));
        after = page.next;
      } while (after !== undefined);
      expect(strip(paged)).toEqual(expected);
      // Starting after a folder's own key lists that folder's contents, then what follows.
      expect(strip(keysOf(await store.listPage("gold", k("order/"), { after: k("order/a/x"), limit: 2 })))).toEqual([
        "a/y/z",
        "aa",
      ]);
    });

    test("a put replaces the whole object", async () => {
      await store.put("gold", k("over/table.csv"), "v1");
      await store.put("gold", k("over/table.csv"), "version two");
      expect(await readText(store, "gold", k("over/table.csv"))).toBe("version two");
      expect((await store.stat("gold", k("over/table.csv")))?.size).toBe(11);
      const page = await store.listPage("gold", k("over/"));
      expect(page.items.map((i) => [i.key, i.size])).toEqual([[k("over/table.csv"), 11]]);
    });

    test("a range reader reads the whole object, a middle, and nothing past the end", async () => {
      const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
      await store.put("bronze", k("range.bin"), bytes);
      const reader = await store.openReader("bronze", k("range.bin"));
      expect(reader.size).toBe(256);
      const read = async (offset: number, length: number) => {
        const target = new Uint8Array(length).fill(0xee);
        const n = await reader.read(offset, target);
        return [n, [...target.subarray(0, n)], target.subarray(n).every((b) => b === 0xee)] as const;
      };
      expect(await read(0, 256)).toEqual([256, [...bytes], true]);
      expect(await read(10, 5)).toEqual([5, [10, 11, 12, 13, 14], true]);
      // Not (0, 1): s3rver reads "bytes=0-0" as the whole object.
      expect(await read(0, 3)).toEqual([3, [0, 1, 2], true]);
      // A read running past the end stops there, leaving the rest of the target as it was.
      expect(await read(250, 100)).toEqual([6, [250, 251, 252, 253, 254, 255], true]);
      expect(await read(100, 0)).toEqual([0, [], true]);
      expect(await read(300, 10)).toEqual([0, [], true]);
    });

    test("a range reader of a large object: a read across its middle, into part of a bigger buffer", async () => {
      const size = 3 * 1024 * 1024 + 17;
      const bytes = Uint8Array.from({ length: size }, (_, i) => (i * 7919) & 0xff);
      await store.put("gold", k("range/large.bin"), bytes);
      const reader = await store.openReader("gold", k("range/large.bin"));
      const buffer = new Uint8Array(2 * 1024 * 1024 + 10).fill(1);
      const target = buffer.subarray(5, buffer.length - 5);
      expect(await reader.read(1024 * 1024 - 3, target)).toBe(target.length);
      expect(target).toEqual(bytes.subarray(1024 * 1024 - 3, 1024 * 1024 - 3 + target.length));
      expect([...buffer.subarray(0, 5), ...buffer.subarray(buffer.length - 5)]).toEqual(Array(10).fill(1));
    });

    test("a range reader of a missing object is not_found, when opened and when the object went away", async () => {
      const err = await caught(store.openReader("gold", k("range/missing.bin")));
      expect(err).toBeInstanceOf(StoreError);
      expect((err as StoreError).kind).toBe("not_found");
      expect((err as StoreError).message).toContain(`gold/${k("range/missing.bin")} does not exist in ${store.location}`);
      await store.put("gold", k("range/gone.bin"), "soon gone");
      const reader = await store.openReader("gold", k("range/gone.bin"));
      await store.delete("gold", k("range/gone.bin"));
      expect(((await caught(reader.read(0, new Uint8Array(4)))) as StoreError).kind).toBe("not_found");
    });

    test("a range reader never mixes two versions: once the object is written again, a read is refused, naming it", async () => {
      await store.put("gold", k("range/replaced.bin"), new Uint8Array(256).fill(1));
      const reader = await store.openReader("gold", k("range/replaced.bin"));
      const first = new Uint8Array(4);
      await reader.read(0, first);
      expect([...first]).toEqual([1, 1, 1, 1]);
      // Same size: only the version tells them apart.
      await store.put("gold", k("range/replaced.bin"), new Uint8Array(256).fill(2));
      const err = await caught(reader.read(4, new Uint8Array(4)));
      expect(err).toBeInstanceOf(StoreError);
      expect((err as StoreError).kind).toBe("failed");
      expect((err as StoreError).message).toContain(`gold/${k("range/replaced.bin")} was written again while it was being read`);
      // A new reader reads the new version.
      const fresh = await store.openReader("gold", k("range/replaced.bin"));
      const target = new Uint8Array(4);
      await fresh.read(100, target);
      expect([...target]).toEqual([2, 2, 2, 2]);
    });

    test("readBytes of an object of many chunks is the object, though a get may reuse one buffer", async () => {
      const size = 2 * 1024 * 1024 + 3;
      const sent = new Bun.CryptoHasher("sha256");
      await store.put("bronze", k("reuse/get.bin"), pseudoRandom(size, 100_000, 99, sent));
      const bytes = await readBytes(store, "bronze", k("reuse/get.bin"));
      expect(bytes.length).toBe(size);
      expect(new Bun.CryptoHasher("sha256").update(bytes).digest("hex")).toBe(sent.digest("hex"));
    });

    test("putIfAbsent writes only where there is no object, atomically where the store says so", async () => {
      expect(await store.putIfAbsent("runs", k("once/lock.json"), "first")).toBe(true);
      expect(await store.putIfAbsent("runs", k("once/lock.json"), "second")).toBe(false);
      expect(await readText(store, "runs", k("once/lock.json"))).toBe("first");
      if (!store.capabilities.atomicCreate) return;
      const wins = await Promise.all(Array.from({ length: 10 }, (_, i) => store.putIfAbsent("runs", k("once/race.json"), `w${i}`)));
      expect(wins.filter(Boolean)).toHaveLength(1);
      expect(await readText(store, "runs", k("once/race.json"))).toBe(`w${wins.indexOf(true)}`);
    });

    test("putFile takes a local file in as the object and removes the file", async () => {
      const dir = await mkdtemp(join(tmpdir(), "elt-put-file-"));
      try {
        const file = join(dir, "staged.csv");
        await Bun.write(file, "id\n2\n");
        await store.put("silver", k("put-file/a.csv"), "id\n1\n");
        expect((await store.putFile("silver", k("put-file/a.csv"), file)).size).toBe(5);
        expect(await readText(store, "silver", k("put-file/a.csv"))).toBe("id\n2\n");
        expect(await Bun.file(file).exists()).toBe(false);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    test("missing objects: stat is null, get is not_found naming the key", async () => {
      expect(await store.stat("gold", k("missing.csv"))).toBeNull();
      const err = await caught(store.get("gold", k("missing.csv")));
      expect(err).toBeInstanceOf(StoreError);
      expect((err as StoreError).kind).toBe("not_found");
      expect((err as StoreError).message).toContain(`gold/${k("missing.csv")} does not exist in ${store.location}`);
    });

    test("copy duplicates an object, across buckets too, and replaces the target", async () => {
      await store.put("silver", k("copy/src.csv"), "a,b\n1,2\n");
      await store.put("gold", k("copy/dst.csv"), "stale");
      await store.copy("silver", k("copy/src.csv"), "gold", k("copy/dst.csv"));
      expect(await readText(store, "gold", k("copy/dst.csv"))).toBe("a,b\n1,2\n");
      expect(await readText(store, "silver", k("copy/src.csv"))).toBe("a,b\n1,2\n");
      await store.copy("gold", k("copy/dst.csv"), "gold", k("copy/deeper/again.csv"));
      expect((await store.stat("gold", k("copy/deeper/again.csv")))?.size).toBe(8);

      const err = await caught(store.copy("silver", k("copy/none.csv"), "gold", k("copy/x.csv")));
      expect((err as StoreError).kind).toBe("not_found");
      expect(await store.stat("gold", k("copy/x.csv"))).toBeNull();
    });

    test("delete removes an object; deleting a missing one is fine", async () => {
      await store.put("runs", k("del/a.json"), "{}");
      await store.put("runs", k("del/b.json"), "{}");
      await store.delete("runs", k("del/a.json"));
      expect(await store.stat("runs", k("del/a.json"))).toBeNull();
      expect(((await caught(store.get("runs", k("del/a.json")))) as StoreError).kind).toBe("not_found");
      expect(keysOf(await store.listPage("runs", k("del/")))).toEqual([k("del/b.json")]);
      await store.delete("runs", k("del/a.json"));
      await store.delete("runs", k("del/never.json"));
      // A key prefix is not an object.
      await store.delete("runs", k("del"));
      expect(keysOf(await store.listPage("runs", k("del/")))).toEqual([k("del/b.json")]);
    });

    test("keys that are not relative paths are refused before anything is written", async () => {
      for (const key of ["../escape.csv", "/etc/passwd", "a//b", "a/./b", "a/..", "", "trailing/"]) {
        expect(await caught(store.put("gold", key, "x"))).toBeInstanceOf(UsageError);
        expect(await caught(store.get("gold", key))).toBeInstanceOf(UsageError);
      }
    });

    test.if(backend.s3 !== undefined)("the etag a put returns, whole or in parts, is the one stat reports", async () => {
      const whole = await store.put("bronze", k("etag/whole.txt"), "x");
      // One byte over a part, so it goes up in two.
      const body = pseudoRandom(S3_OPTIONS.partSize + 1, 64 * 1024, 11, new Bun.CryptoHasher("sha256"));
      const parts = await store.put("bronze", k("etag/parts.bin"), body);
      for (const info of [whole, parts]) {
        const stat = await store.stat("bronze", info.key);
        // Absent is honest when the store did not say; a different one is not.
        expect([info.key, info.etag ?? stat?.etag]).toEqual([info.key, stat?.etag]);
      }
    });

    test.if(backend.s3 !== undefined)("wrong credentials are access_denied, and the secret is never shown", async () => {
      const secret = "wrong-secret-value-123";
      const wrong = new S3Store({ ...backend.s3!, accessKey: "NO-SUCH-KEY", secretKey: secret }, { retries: 0 });
      // One call at a time: started together, a later rejection would go unhandled while an earlier one is awaited.
      const attempts = [() => wrong.stat("gold", k("x")), () => wrong.put("gold", k("x"), "x"), () => wrong.missingBuckets()];
      for (const attempt of attempts) {
        const err = await caught(attempt());
        expect(err).toBeInstanceOf(StoreError);
        expect((err as StoreError).kind).toBe("access_denied");
        expect((err as StoreError).message).toContain(`credentials rejected by ${backend.s3!.endPoint}:${backend.s3!.port}`);
        expect((err as StoreError).message).toContain("MINIO_ACCESS_KEY / MINIO_SECRET_KEY");
        expect((err as StoreError).message).not.toContain(secret);
      }
    });
  });
}
