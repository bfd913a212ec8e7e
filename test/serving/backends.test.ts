import { expect, test } from "bun:test";
import { join, resolve } from "node:path";
import { envSchema, loadConfig, secretsOf } from "../../src/config/environment.ts";
import { SERVING_BACKENDS, servingSettingLines, servingTarget } from "../../src/serving/registry/backends.ts";

const src = resolve(import.meta.dir, "../../src");

test("each backend's variables are parsed with the environment, and select the store that serves", () => {
  expect(SERVING_BACKENDS.map((b) => b.kind)).toEqual(["sqlite", "mongo"]);
  for (const backend of SERVING_BACKENDS) {
    for (const name of Object.keys(backend.variables)) expect(Object.keys(envSchema.shape)).toContain(name);
  }
  const home = "/srv/elt";
  const embedded = loadConfig({ ELT_HOME: home });
  expect(servingTarget(embedded)).toMatchObject({ location: join(home, "serving.sqlite"), reachable: "readable" });

  const mongo = loadConfig({ ELT_HOME: home, MONGODB_URI: "mongodb://elt:pw-123@db:27017", MONGODB_COLLECTION_PREFIX: "" });
  expect(servingTarget(mongo)).toMatchObject({ location: "mongodb://elt:****@db:27017", reachable: "reachable, credentials accepted" });
  expect(servingSettingLines(mongo)).toEqual([
    { name: "MONGODB_URI", value: "mongodb://elt:****@db:27017", unsetMeans: `gold tables served from ${join(home, "serving.sqlite")}` },
    { name: "MONGODB_DATABASE", value: "analytics" },
    { name: "MONGODB_COLLECTION_PREFIX", value: "" },
  ]);
  expect(secretsOf(mongo)).toEqual(["pw-123", "pw-123"]);
});

test("the declarations load no database driver: opening a MongoDB store does", () => {
  const driverModules = (imports: string[]) => {
    const code = [
      ...imports.map((file) => `await import(${JSON.stringify(join(src, file))});`),
      `console.log(Object.keys(require.cache).filter((k) => k.includes("/node_modules/mongodb/")).length);`,
    ].join("\n");
    const run = Bun.spawnSync([process.execPath, "-e", code], { stderr: "pipe" });
    expect(run.stderr.toString()).toBe("");
    return Number(run.stdout.toString().trim());
  };
  const declarations = ["config/environment.ts", "serving/registry/backends.ts", "serving/registry/open.ts", "commands/doctor.ts", "api/app.ts"];
  expect(driverModules(declarations)).toBe(0);
  expect(driverModules([...declarations, "serving/mongo/mongo.ts"])).toBeGreaterThan(0);
});
