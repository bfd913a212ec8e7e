import { z } from "zod";
import { blankToUndefined } from "../../env-values.ts";

/**
 * The MongoDB backend's own variables (SPEC's `MONGODB_*`), its settings, and what of them
 * is secret. Free of the driver, which only `mongo.ts` loads.
 */

const uri = z.preprocess(
  blankToUndefined,
  z
    .string()
    .trim()
    .refine((v) => {
      if (!/^mongodb(\+srv)?:\/\//.test(v)) return false;
      try {
        return new URL(v.replace(/^mongodb(\+srv)?:/, "http:")).hostname !== "";
      } catch {
        return false;
      }
    }, "expected a MongoDB connection string: mongodb://[user:password@]host[:port][/db]")
    .optional(),
);

export const MONGO_VARIABLES = {
  MONGODB_URI: uri,
  MONGODB_DATABASE: z.preprocess(
    blankToUndefined,
    z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_-]+$/, "expected a database name (letters, digits, _ or -)")
      .default("analytics"),
  ),
  // An empty prefix is allowed (collections named after the tables alone), so no blank-to-default here.
  MONGODB_COLLECTION_PREFIX: z.string().trim().regex(/^[A-Za-z0-9_]*$/, "expected letters, digits or _").default("gold_"),
};

export interface MongoSettings {
  uri: string;
  database: string;
  prefix: string;
}

/** A URI with its password replaced, for anything a user or a log sees. */
export function maskUri(uri: string): string {
  return uri.replace(/^([a-z+]+:\/\/[^:/@]+:)[^@]*@/i, "$1****@");
}

/** The password of a URI, as written and decoded, for scrubbing. */
export function uriSecrets(uri: string): string[] {
  const m = /^[a-z+]+:\/\/[^:/@]+:([^@]*)@/i.exec(uri);
  return m?.[1] ? [m[1], decodeURIComponent(m[1])] : [];
}
