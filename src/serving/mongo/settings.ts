import { z } from "zod";
import { blankToUndefined } from "../../core/env-values.ts";

/**
 * The MongoDB backend's own variables (SPEC's `MONGODB_*`), its settings, and what of them
 * is secret. Free of the driver, which only `mongo.ts` loads.
 */

const URI_FORMS = "mongodb://[user:password@]host[:port][,host[:port]...][/db][?options] or mongodb+srv://[user:password@]cluster[/db][?options]";

/**
 * The driver's own reason for refusing a connection string, or undefined when it takes it.
 * Its parser is loaded on the first URI to check, not with this file: it costs a tenth of a
 * second at start, which commands run on the embedded default need not pay.
 */
function refusal(uri: string): string | undefined {
  const { ConnectionString } = require("mongodb-connection-string-url") as typeof import("mongodb-connection-string-url");
  try {
    // The driver reads each host again when it connects (a port that is no number fails only
    // then, after the layers before the export ran): checked here the way it will be.
    for (const host of new ConnectionString(uri).hosts) {
      if (!URL.parse(`mongodb://${host}`)?.hostname) return `the host ${host} is not host[:port]`;
    }
    return undefined;
  } catch (err) {
    // Only the parser's own sentences: the URL layer under it quotes the whole string, password included.
    const message = err instanceof Error && err.name === "MongoParseError" ? err.message : "not a valid URL";
    return message.startsWith("Username contains") ? "the user name has unescaped characters (percent-encode them)" : message;
  }
}

const uri = z.preprocess(
  blankToUndefined,
  z
    .string()
    .trim()
    .superRefine((v, ctx) => {
      const why = refusal(v);
      if (why !== undefined) ctx.addIssue({ code: "custom", message: `expected a MongoDB connection string, ${URI_FORMS}: ${why}` });
    })
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

/**
 * The user information as the driver splits it: the user name up to the first `:` or `@`, the
 * password up to the first `@`, whatever hosts and options follow (several hosts, +srv).
 */
const USER_INFO = /^(mongodb(?:\+srv)?:\/\/[^:@]*:)([^@]*)@/i;
/** Options whose value is a password. */
const SECRET_OPTIONS = /([?&](?:proxyPassword|tlsCertificateKeyFilePassword)=)([^&#]*)/gi;

/** A URI with its passwords replaced, for anything a user or a log sees. */
export function maskUri(uri: string): string {
  return uri.replace(USER_INFO, "$1****@").replace(SECRET_OPTIONS, "$1****");
}

/** The passwords of a URI, as written and decoded, for scrubbing. */
export function uriSecrets(uri: string): string[] {
  const written = [USER_INFO.exec(uri)?.[2], ...[...uri.matchAll(SECRET_OPTIONS)].map((m) => m[2])];
  return written.filter((s): s is string => !!s).flatMap((s) => [s, decode(s)]);
}

/** Whether the URI authenticates: a user name, or a mechanism that needs none (X.509, AWS, OIDC). */
export function hasCredentials(uri: string): boolean {
  return /^mongodb(?:\+srv)?:\/\/[^/?@]+@/i.test(uri) || /[?&]authMechanism=/i.test(uri);
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
