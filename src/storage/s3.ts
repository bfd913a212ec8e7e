import * as http from "node:http";
import * as https from "node:https";
import { Client, CopyDestinationOptions, CopySourceOptions, S3Error } from "minio";
import { redact } from "../core/redact.ts";
import { StoreError, errorLine } from "../core/errors.ts";
import { withRetry } from "../core/retry.ts";
import { isLakeKey } from "../contract/lake.ts";
import { bucketVariable, type S3Config } from "./store-settings.ts";
import { BUCKETS, checkKey, putLocalFile, type Body, type Bucket, type ListPage, type ObjectInfo, type ObjectReader, type ObjectStore, type StoreCapabilities, type StoreHandle, replacedWhileRead } from "./object-store.ts";

export interface S3StoreOptions {
  /** At most this many further attempts after a transient failure, within the retry budget. */
  retries?: number;
  retryBaseMs?: number;
  /** How long a TCP connection may take before the endpoint counts as unreachable. */
  connectTimeoutMs?: number;
  /** How long a request may then go silent before its response starts. */
  responseTimeoutMs?: number;
  /** Streamed bodies are sent in parts of this size; S3's minimum is 5 MiB. */
  partSize?: number;
  /** An incomplete upload this old was left by a process that is gone (killed mid-upload). */
  abandonedAfterMs?: number;
}

const DEFAULT_LIMIT = 1000;
const NOT_FOUND = new Set(["NoSuchKey", "NotFound", "NoSuchBucket"]);
const BAD_KEYS = new Set(["InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken"]);
/** Answers no retry changes: the server lacks the feature. */
const PERMANENT = new Set(["NotImplemented", "MethodNotAllowed"]);
/** Between retries, so an outage of several seconds is probed again soon after it ends. */
const MAX_RETRY_DELAY_MS = 4_000;

/**
 * Buckets of an S3-compatible store (MinIO) through the minio client. Streamed bodies are
 * cut into parts so memory stays at one part whatever the object size: a body shorter than
 * a part is one PUT, a longer one a multipart upload that the store publishes whole.
 */
export class S3Store implements ObjectStore {
  readonly location: string;
  // Conditional writes (If-None-Match) are recent and not on every server this talks to.
  readonly capabilities: StoreCapabilities = { atomicCreate: false };
  readonly handle: StoreHandle;
  private readonly client: Client;
  private readonly endpoint: string;
  private readonly secret: string;
  private readonly retries: number;
  private readonly retryBaseMs: number;
  private readonly retryMs: number;
  private readonly names: Record<Bucket, string>;
  private readonly partSize: number;
  private readonly abandonedAfterMs: number;

  constructor(config: S3Config, options: S3StoreOptions = {}) {
    const scheme = config.useSSL ? "https" : "http";
    const port = config.port ?? (config.useSSL ? 443 : 80);
    this.endpoint = `${config.endPoint}:${port}`;
    this.location = `s3 ${scheme}://${this.endpoint}`;
    // Without the options: a worker that opens it again only reads, with the default timeouts.
    this.handle = { backend: "s3", config };
    this.secret = config.secretKey;
    this.retries = options.retries ?? Infinity;
    this.retryBaseMs = options.retryBaseMs ?? 250;
    this.retryMs = config.retryMs ?? 30_000;
    this.names = Object.fromEntries(BUCKETS.map((b) => [b, config.buckets?.[b] ?? b])) as Record<Bucket, string>;
    this.partSize = options.partSize ?? 16 << 20;
    // No upload of elt's lasts an hour: one part is at most 16 MiB, each one a request.
    this.abandonedAfterMs = options.abandonedAfterMs ?? 60 * 60 * 1000;
    const timeoutMs = config.timeoutMs ?? 10_000;
    this.client = new Client({
      endPoint: config.endPoint,
      port: config.port,
      useSSL: config.useSSL,
      accessKey: config.accessKey,
      secretKey: config.secretKey,
      transport: timedTransport(config.useSSL ? https : http, options.connectTimeoutMs ?? timeoutMs, options.responseTimeoutMs ?? timeoutMs),
      // Retries are ours (bounded, typed, quiet); the client's own would log to the console.
      retryOptions: { disableRetry: true },
    });
  }

  /**
   * Buckets that exist are used as they are; missing ones are created where the keys may. Each
   * run starts here, so this is also where the uploads a killed run left behind are aborted:
   * the store would keep their parts (and bill them) for ever.
   */
  async ensureBuckets(buckets: readonly Bucket[] = BUCKETS): Promise<void> {
    for (const bucket of await this.missingBuckets(buckets)) await this.create(bucket);
    for (const bucket of buckets) await this.abortAbandonedUploads(bucket);
  }

  /** Aborts elt's own incomplete uploads that are older than `abandonedAfterMs`. */
  private async abortAbandonedUploads(bucket: Bucket): Promise<void> {
    const name = this.names[bucket];
    let markers = { key: "", uploadId: "" };
    for (;;) {
      let page: Awaited<ReturnType<Client["listIncompleteUploadsQuery"]>>;
      try {
        page = await this.call("list uploads in", name, () => this.client.listIncompleteUploadsQuery(name, "", markers.key, markers.uploadId, ""));
      } catch (err) {
        // Housekeeping only: a server without the listing (s3rver) or keys without the right to
        // it leave the uploads to the bucket's lifecycle rules, and the run goes on.
        if (err instanceof StoreError && ["NotImplemented", "AccessDenied"].includes(codeOf(err.cause) ?? "")) return;
        throw err;
      }
      for (const upload of page.uploads) {
        if (!isLakeKey(bucket, upload.key) || Date.now() - upload.initiated.getTime() < this.abandonedAfterMs) continue;
        await this.call("abort", `${name}/${upload.key}`, () => this.client.abortMultipartUpload(name, upload.key, upload.uploadId));
      }
      if (!page.isTruncated) return;
      markers = { key: page.nextKeyMarker, uploadId: page.nextUploadIdMarker };
    }
  }

  async missingBuckets(buckets: readonly Bucket[] = BUCKETS): Promise<Bucket[]> {
    const missing: Bucket[] = [];
    for (const bucket of buckets) if (!(await this.usable(bucket))) missing.push(bucket);
    return missing;
  }

  /**
   * Whether the bucket exists and these keys may use it: false when it does not exist. A
   * listing, not a HEAD, because only an answer with a body says why it was refused.
   */
  private async usable(bucket: Bucket): Promise<boolean> {
    const name = this.names[bucket];
    try {
      await this.call("check", name, () => this.client.listObjectsV2Query(name, "", "", "", 1, ""));
      return true;
    } catch (err) {
      if (!(err instanceof StoreError)) throw err;
      if (codeOf(err.cause) === "NoSuchBucket") return false;
      if (codeOf(err.cause) === "AccessDenied") throw this.notOurs(bucket, "AccessDenied", err.cause);
      throw err;
    }
  }

  private async create(bucket: Bucket): Promise<void> {
    const name = this.names[bucket];
    try {
      await this.call("create", name, () => this.client.makeBucket(name));
    } catch (err) {
      const code = err instanceof StoreError ? codeOf(err.cause) : undefined;
      if (code === "AccessDenied") {
        throw new StoreError(
          "access_denied",
          `these keys may not create bucket ${name} on ${this.endpoint} (AccessDenied): create it with keys that may, or set ${bucketVariable(bucket)} to a bucket that exists`,
          { cause: err },
        );
      }
      // Created meanwhile by another run (ours) or owned by another account: the listing tells.
      if (code === "BucketAlreadyOwnedByYou") return;
      if (code === "BucketAlreadyExists") {
        if (await this.usable(bucket).catch(() => false)) return;
        throw this.notOurs(bucket, code, err);
      }
      throw err;
    }
  }

  private notOurs(bucket: Bucket, code: string, cause: unknown): StoreError {
    return new StoreError(
      "access_denied",
      `bucket ${this.names[bucket]} on ${this.endpoint} belongs to another account or is not granted to these keys (${code}): bucket names are global on AWS; set ELT_BUCKET_PREFIX (e.g. acme-elt-) or ${bucketVariable(bucket)}`,
      { cause },
    );
  }

  async put(bucket: Bucket, key: string, body: Body): Promise<ObjectInfo> {
    checkKey(key);
    const subject = `${this.names[bucket]}/${key}`;
    if (typeof body === "string") return this.putWhole(bucket, key, Buffer.from(body));
    if (body instanceof Uint8Array) return this.putWhole(bucket, key, Buffer.from(body.buffer, body.byteOffset, body.byteLength));
    const parts = cut(body, this.partSize)[Symbol.asyncIterator]();
    const first = await parts.next();
    if (first.done || !first.value.full) return this.putWhole(bucket, key, first.done ? Buffer.alloc(0) : first.value.bytes);

    const uploadId = await this.intoBucket(bucket, () =>
      this.call("write", subject, () => this.client.initiateNewMultipartUpload(this.names[bucket], key, {})),
    );
    try {
      const etags: { part: number; etag: string }[] = [];
      let size = 0;
      for (let part: IteratorResult<Part> = first; !part.done; part = await parts.next()) {
        const bytes = part.value.bytes;
        const partNumber = etags.length + 1;
        const uploaded = await this.call("write", subject, () =>
          this.client.uploadPart({ bucketName: this.names[bucket], objectName: key, uploadID: uploadId, partNumber, headers: {} }, bytes),
        );
        etags.push({ part: partNumber, etag: uploaded.etag });
        size += bytes.byteLength;
      }
      const done = await this.call("write", subject, () => this.client.completeMultipartUpload(this.names[bucket], key, uploadId, etags));
      // Ceph RGW 16 completes an upload with an empty ETag: no etag beats a wrong one.
      return { key, size, modified: Date.now(), ...(done.etag ? { etag: done.etag } : {}) };
    } catch (err) {
      // Best effort: an upload left behind is invisible to readers and expires on the store.
      await this.client.abortMultipartUpload(this.names[bucket], key, uploadId).catch(() => {});
      throw err;
    }
  }

  async putIfAbsent(bucket: Bucket, key: string, body: string): Promise<boolean> {
    if (await this.stat(bucket, key)) return false;
    await this.put(bucket, key, body);
    return true;
  }

  putFile(bucket: Bucket, key: string, path: string): Promise<ObjectInfo> {
    return putLocalFile(this, bucket, key, path);
  }

  async get(bucket: Bucket, key: string): Promise<AsyncIterable<Uint8Array>> {
    checkKey(key);
    const subject = `${this.names[bucket]}/${key}`;
    return this.guard(subject, await this.call("read", subject, () => this.client.getObject(this.names[bucket], key)));
  }

  /** Each read is one ranged GET. */
  async openReader(bucket: Bucket, key: string): Promise<ObjectReader> {
    const info = await this.stat(bucket, key);
    if (!info) throw new StoreError("not_found", `${this.names[bucket]}/${key} does not exist in ${this.location}`);
    return { size: info.size, read: (offset, target) => this.readAt(bucket, key, offset, target, info.etag) };
  }

  /** `etag`: the version the reader opened; a range of any other is refused (replacedWhileRead). */
  private async readAt(bucket: Bucket, key: string, offset: number, target: Uint8Array, etag: string | undefined): Promise<number> {
    // The client reads "length 0" as "to the end".
    if (target.length === 0) return 0;
    const subject = `${this.names[bucket]}/${key}`;
    let stream: AsyncIterable<Uint8Array>;
    try {
      stream = await this.call("read", subject, () => this.client.getPartialObject(this.names[bucket], key, offset, target.length));
    } catch (err) {
      // A range that starts past the end holds no bytes, as a file's would not.
      if (err instanceof StoreError && codeOf(err.cause) === "InvalidRange") return 0;
      throw err;
    }
    // Each range answer names the version it came from (the response's ETag).
    const served = (stream as { headers?: Record<string, unknown> }).headers?.etag;
    if (etag !== undefined && typeof served === "string" && unquoted(served) !== unquoted(etag)) {
      (stream as { destroy?: () => void }).destroy?.();
      throw replacedWhileRead(subject);
    }
    let at = 0;
    for await (const chunk of this.guard(subject, stream)) {
      const piece = chunk.subarray(0, target.length - at);
      target.set(piece, at);
      at += piece.length;
      if (at === target.length) break;
    }
    return at;
  }

  async stat(bucket: Bucket, key: string): Promise<ObjectInfo | null> {
    checkKey(key);
    try {
      const info = await this.call("stat", `${this.names[bucket]}/${key}`, () => this.client.statObject(this.names[bucket], key));
      return { key, size: info.size, modified: info.lastModified.getTime(), etag: info.etag };
    } catch (err) {
      if (err instanceof StoreError && err.kind === "not_found") return null;
      throw err;
    }
  }

  async listPage(bucket: Bucket, prefix: string, options: { after?: string; limit?: number } = {}): Promise<ListPage> {
    const { after } = options;
    // The store pages by at most 1000 whatever is asked; below 1 it would fall back to that too.
    const limit = Math.max(1, options.limit ?? DEFAULT_LIMIT);
    try {
      const page = await this.call("list", `${this.names[bucket]}/${prefix}`, () =>
        this.client.listObjectsV2Query(this.names[bucket], prefix, "", "", limit, after ?? ""),
      );
      const items = page.objects.flatMap((o) =>
        o.name === undefined
          ? []
          : [{ key: o.name, size: o.size, modified: o.lastModified?.getTime() ?? 0, etag: o.etag }],
      );
      return page.isTruncated && items.length > 0 ? { items, next: items[items.length - 1]!.key } : { items };
    } catch (err) {
      // A bucket that does not exist yet holds no keys, as a missing folder holds no files.
      if (err instanceof StoreError && codeOf(err.cause) === "NoSuchBucket") return { items: [] };
      throw err;
    }
  }

  async copy(fromBucket: Bucket, fromKey: string, toBucket: Bucket, toKey: string): Promise<void> {
    checkKey(fromKey);
    checkKey(toKey);
    await this.call("copy", `${this.names[fromBucket]}/${fromKey}`, () =>
      this.client.copyObject(
        new CopySourceOptions({ Bucket: this.names[fromBucket], Object: fromKey }),
        new CopyDestinationOptions({ Bucket: this.names[toBucket], Object: toKey }),
      ),
    );
  }

  async delete(bucket: Bucket, key: string): Promise<void> {
    checkKey(key);
    try {
      await this.call("delete", `${this.names[bucket]}/${key}`, () => this.client.removeObject(this.names[bucket], key));
    } catch (err) {
      if (!(err instanceof StoreError && err.kind === "not_found")) throw err;
    }
  }

  // `modified` is this machine's clock: the store's own would cost one more request per write.
  private async putWhole(bucket: Bucket, key: string, bytes: Buffer): Promise<ObjectInfo> {
    const done = await this.intoBucket(bucket, () =>
      this.call("write", `${this.names[bucket]}/${key}`, () => this.client.putObject(this.names[bucket], key, bytes, bytes.byteLength)),
    );
    return { key, size: bytes.byteLength, modified: Date.now(), etag: done.etag };
  }

  /**
   * A write that creates its bucket when missing, as the folder store makes its folder: a
   * command that writes first (rollback's lock on an empty lake) then sees what a folder sees.
   */
  private async intoBucket<T>(bucket: Bucket, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      if (!(err instanceof StoreError && codeOf(err.cause) === "NoSuchBucket")) throw err;
      await this.create(bucket);
      return write();
    }
  }

  /**
   * One request about `subject` ("bucket/key", or a bucket), retried while it fails
   * transiently for at most the retry budget, its failure typed as a StoreError.
   */
  private call<T>(verb: string, subject: string, request: () => Promise<T>): Promise<T> {
    const started = Date.now();
    return withRetry(
      async () => {
        try {
          return await request();
        } catch (err) {
          throw this.storeError(verb, subject, err);
        }
      },
      {
        retries: this.retries,
        baseMs: this.retryBaseMs,
        maxMs: MAX_RETRY_DELAY_MS,
        retryable: (err) =>
          err instanceof StoreError && err.transient && !PERMANENT.has(codeOf(err.cause) ?? "") && Date.now() - started < this.retryMs,
      },
    );
  }

  private async *guard(subject: string, chunks: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
    try {
      yield* chunks;
    } catch (err) {
      throw this.storeError("read", subject, err);
    }
  }

  /**
   * S3 error codes and network errors become StoreErrors; anything without a code (a bad
   * argument, a bug) goes through as it is. Messages never carry the secret key.
   */
  private storeError(verb: string, subject: string, err: unknown): unknown {
    const code = codeOf(err);
    const cause = { cause: err };
    if (code === undefined) {
      // The client's error for an answer that is no S3 error document (a web server's 404 page): no code, no message.
      const notS3 = err instanceof S3Error && !err.message;
      return notS3 ? new StoreError("failed", `${this.endpoint} did not answer as S3 does (to ${verb} ${subject}): is MINIO_ENDPOINT an S3 endpoint?`, cause) : err;
    }
    if (code === "NoSuchBucket") {
      const bucket = subject.split("/")[0];
      return new StoreError("not_found", `bucket ${bucket} does not exist in ${this.location}`, cause);
    }
    if (NOT_FOUND.has(code)) return new StoreError("not_found", `${subject} does not exist in ${this.location}`, cause);
    // A HEAD's refusal has no body to say whether the keys are wrong or only not allowed.
    if (code === "AccessDenied" && verb !== "stat") {
      return new StoreError(
        "access_denied",
        `access denied by ${this.endpoint} (AccessDenied): these keys may not ${verb} ${subject}; grant them access or use buckets they may use (ELT_BUCKET_PREFIX, ELT_BUCKET_*)`,
        cause,
      );
    }
    if (BAD_KEYS.has(code) || code === "AccessDenied") {
      return new StoreError(
        "access_denied",
        `credentials rejected by ${this.endpoint} (${code}): check MINIO_ACCESS_KEY / MINIO_SECRET_KEY`,
        cause,
      );
    }
    if (/^E[A-Z_]+$/.test(code)) return new StoreError("unreachable", `cannot reach S3 endpoint ${this.endpoint}: ${code}`, cause);
    const detail = code.startsWith("HTTP ") ? "" : `: ${redact(errorLine(err), [this.secret])}`;
    return new StoreError("failed", `cannot ${verb} ${subject} in ${this.location}: ${code}${detail}`, cause);
  }
}

/**
 * The node transport with two deadlines the client lacks: connecting, then waiting for the
 * response to start. Once a response streams, a slow reader is not the endpoint's fault.
 */
function timedTransport(base: typeof http | typeof https, connectMs: number, responseMs: number) {
  const request = (options: http.RequestOptions, callback?: (res: http.IncomingMessage) => void) => {
    const req = base.request(options, callback);
    let phase = "connect";
    req.on("timeout", () => {
      const err = new Error(`no ${phase} within ${phase === "connect" ? connectMs : responseMs} ms`);
      req.destroy(Object.assign(err, { code: "ETIMEDOUT" }));
    });
    req.on("socket", (socket) => {
      if (!socket.connecting) {
        phase = "response";
        req.setTimeout(responseMs);
        return;
      }
      req.setTimeout(connectMs);
      socket.once("connect", () => {
        phase = "response";
        req.setTimeout(responseMs);
      });
    });
    req.on("response", () => req.setTimeout(0));
    return req;
  };
  return { request } as unknown as Pick<typeof http, "request">;
}

interface Part {
  bytes: Buffer;
  /** Reached the part size, so more may follow; a body that ends short is the last part. */
  full: boolean;
}

/** A body cut into parts of at least `size` bytes. */
async function* cut(body: AsyncIterable<Uint8Array>, size: number): AsyncIterable<Part> {
  // Copied as they come: a body's chunk is only valid until the next one is asked for.
  let part = Buffer.allocUnsafe(size);
  let filled = 0;
  for await (const chunk of body) {
    for (let from = 0; from < chunk.byteLength; ) {
      const n = Math.min(chunk.byteLength - from, size - filled);
      part.set(chunk.subarray(from, from + n), filled);
      filled += n;
      from += n;
      if (filled === size) {
        yield { bytes: part, full: true };
        part = Buffer.allocUnsafe(size);
        filled = 0;
      }
    }
  }
  if (filled > 0) yield { bytes: part.subarray(0, filled), full: false };
}

/** An S3 or system error code; the client reports 5xx, 408 and 429 answers only in a message. */
function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "string" && code !== "") return code;
  const status = err instanceof Error ? /Retryable HTTP status: (\d+)/.exec(err.message)?.[1] : undefined;
  return status === undefined ? undefined : `HTTP ${status}`;
}

/** An ETag without the quotes HTTP puts around it (the client's stat takes them off). */
function unquoted(etag: string): string {
  return etag.replace(/^(W\/)?"|"$/g, "");
}
