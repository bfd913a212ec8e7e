import type { Bucket } from "../contract/lake.ts";

/**
 * An S3 store's settings as src/config.ts reads them from the environment: plain data, so a
 * worker thread can open the same store from its caller's handle.
 */

export interface S3Config {
  endPoint: string;
  port?: number;
  useSSL: boolean;
  accessKey: string;
  secretKey: string;
  /** The S3 bucket that holds each logical bucket; absent ones are named as the logical one. */
  buckets?: Partial<Record<Bucket, string>>;
  /** How long one request may wait for its connection, then for its response to start. */
  timeoutMs?: number;
  /** How long transient failures of one request are retried before it fails. */
  retryMs?: number;
}

/** The variable that names a logical bucket's S3 bucket. */
export const bucketVariable = (bucket: Bucket) => `ELT_BUCKET_${bucket.toUpperCase() as Uppercase<Bucket>}` as const;
