import type { ServingBackend } from "../backend.ts";
import { MONGO_VARIABLES, hasCredentials, maskUri, uriSecrets, type MongoSettings } from "./settings.ts";

/** MongoDB, selected by `MONGODB_URI`. */
export const mongoBackend: ServingBackend<"mongo", typeof MONGO_VARIABLES, MongoSettings> = {
  kind: "mongo",
  variables: MONGO_VARIABLES,
  configure: (env) =>
    env.MONGODB_URI ? { uri: env.MONGODB_URI, database: env.MONGODB_DATABASE, prefix: env.MONGODB_COLLECTION_PREFIX } : undefined,
  target: (settings) => ({
    location: maskUri(settings.uri),
    // Without credentials nothing was authenticated: the server answered, reading may still be refused.
    reachable: hasCredentials(settings.uri) ? "reachable, credentials accepted" : "reachable, no credentials in MONGODB_URI (not authenticated)",
    open: async () => (await import("./mongo.ts")).openMongoStore(settings),
  }),
  settingLines: (settings, fallback) => [
    {
      name: "MONGODB_URI",
      value: settings ? maskUri(settings.uri) : null,
      unsetMeans: `gold tables served from ${fallback.location}`,
    },
    { name: "MONGODB_DATABASE", value: settings?.database ?? null },
    { name: "MONGODB_COLLECTION_PREFIX", value: settings?.prefix ?? null },
  ],
  secrets: (settings) => uriSecrets(settings.uri),
};
