import { createReadStream } from "node:fs";

/** A local file as a stream of 1 MiB chunks. */
export async function* fileChunks(path: string): AsyncIterable<Uint8Array> {
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) yield chunk as Uint8Array;
}
