import { describe, expect, test } from "bun:test";
import { ConfigError, StoreError } from "../../src/core/errors.ts";
import { MongoClient } from "mongodb";
import { clientOptions, openMongoStore } from "../../src/serving/mongo/mongo.ts";

/** A port on which nothing listens: bound once by us, then released. */
function closedPort(): number {
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const { port } = server;
  server.stop(true);
  return port;
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error("expected a failure");
}

describe("mongo serving store: connection failures (no server needed)", () => {
  test("an unreachable server is a StoreError unreachable that never shows the password", async () => {
    const port = closedPort();
    const err = await failure(
      openMongoStore({ uri: `mongodb://elt:s3cret-pw@127.0.0.1:${port}/`, database: "analytics", prefix: "gold_", serverSelectionTimeoutMS: 300 }),
    );
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).kind).toBe("unreachable");
    expect((err as StoreError).message).toBe(`cannot reach MongoDB at mongodb://elt:****@127.0.0.1:${port}/`);
  });

  test("a connection string the driver cannot use is a ConfigError", async () => {
    const err = await failure(openMongoStore({ uri: "mongodb://127.0.0.1:27017/?authMechanism=NOPE", database: "analytics", prefix: "gold_" }));
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toStartWith("MONGODB_URI: authMechanism");
  });
});

const MONGO_URI = process.env.ELT_TEST_MONGODB_URI;
const withPassword = MONGO_URI && /^mongodb(\+srv)?:\/\/[^:/@]+:[^@]+@/.test(MONGO_URI) ? MONGO_URI : undefined;

describe.skipIf(!withPassword)(
  withPassword ? "mongo serving store: credentials" : "mongo serving store: credentials (skipped: ELT_TEST_MONGODB_URI has no user:password)",
  () => {
    test("a wrong password is a StoreError access_denied", async () => {
      const uri = withPassword!.replace(/^(mongodb(\+srv)?:\/\/[^:/@]+:)[^@]+@/, "$1not-the-password@");
      const err = await failure(openMongoStore({ uri, database: "analytics", prefix: "gold_" }));
      expect(err).toBeInstanceOf(StoreError);
      expect((err as StoreError).kind).toBe("access_denied");
      expect((err as StoreError).message).not.toContain("not-the-password");
    });
  },
);

describe("mongo serving store: timeouts (no server needed)", () => {
  /** What the driver makes of the options elt gives it: the values it will use. */
  const driverOptions = (uri: string, serverSelectionTimeoutMS?: number) =>
    new MongoClient(uri, clientOptions({ uri, database: "analytics", prefix: "gold_", serverSelectionTimeoutMS })).options;

  test("a server that stops answering on an open socket is given up after a bounded time", () => {
    const options = driverOptions("mongodb://127.0.0.1:27017/");
    expect(options.socketTimeoutMS).toBe(120_000);
    expect(options.serverSelectionTimeoutMS).toBe(3000);
    expect(options.connectTimeoutMS).toBe(3000);
  });

  test("the connection string's own timeouts win, whatever their case; a replica-set string keeps its hosts", () => {
    const options = driverOptions("mongodb://h1:27017,h2:27017/?replicaSet=rs0&sockettimeoutms=5000&serverSelectionTimeoutMS=900");
    expect(options.socketTimeoutMS).toBe(5000);
    expect(options.serverSelectionTimeoutMS).toBe(900);
    expect(options.connectTimeoutMS).toBe(3000);
    expect(options.hosts.map(String)).toEqual(["h1:27017", "h2:27017"]);
  });

  test("the servers are polled, not streamed, unless the connection string says otherwise", () => {
    expect(driverOptions("mongodb://127.0.0.1:27017/").serverMonitoringMode).toBe("poll");
    expect(driverOptions("mongodb://127.0.0.1:27017/?serverMonitoringMode=stream").serverMonitoringMode).toBe("stream");
  });

  test("the caller's selection timeout bounds the connection too", () => {
    const options = driverOptions("mongodb://127.0.0.1:27017/", 300);
    expect([options.serverSelectionTimeoutMS, options.connectTimeoutMS, options.socketTimeoutMS]).toEqual([300, 300, 120_000]);
  });
});
