import { rangeAsyncBuffer } from "../formats/parquet.ts";
import type { Bucket, ObjectStore } from "../storage/object-store.ts";

/** A stored Parquet object, read through the store's range reader (formats/ knows no store). */
export async function objectAsyncBuffer(store: ObjectStore, bucket: Bucket, key: string) {
  return rangeAsyncBuffer(await store.openReader(bucket, key), `${bucket}/${key}`);
}
