import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { architectureReport } from "./support/imports.ts";

/**
 * The architecture as rules on src/'s imports: no cycle between files or folders; formats,
 * storage, serving, the API and the dashboard import no file of a layer; the data contract
 * imports nothing of the project. Each failure lists every offending import, by file and line.
 */

const SRC = resolve(import.meta.dir, "../src");
const report = architectureReport(SRC);
const listed = (errors: string[]) => errors.join("\n\n");

describe("src/", () => {
  test("no two files import each other, directly or through others", () => {
    expect(listed(report.fileCycles)).toBe("");
  });

  test("no two folders import each other, directly or through others", () => {
    expect(listed(report.folderCycles)).toBe("");
  });

  test("formats, storage, serving, the API and the dashboard import no file of a layer", () => {
    expect(listed(report.layerImports)).toBe("");
  });

  test("the data contract imports nothing of the project", () => {
    expect(listed(report.contractImports)).toBe("");
  });
});

describe("the checker, on small trees", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** A src/ tree of the given files (path under src/ → text); returns the report on it. */
  function reportOn(files: Record<string, string>) {
    const dir = mkdtempSync(join(tmpdir(), "elt-arch-"));
    dirs.push(dir);
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, "src", path)), { recursive: true });
      writeFileSync(join(dir, "src", path), text);
    }
    return architectureReport(join(dir, "src"));
  }

  // The project's shape in miniature, with every kind of import the scanner reads.
  const CLEAN: Record<string, string> = {
    "contract/columns.ts": 'import { z } from "zod";\nexport const COLUMNS = z.string();\n',
    "contract/lake.ts": 'export * from "./columns.ts";\n',
    "formats/csv.ts":
      '/* import { build } from "../pipeline/gold/build.ts": a comment is no import */\nimport type {\n  COLUMNS,\n} from "../contract/columns.ts";\nimport { readFileSync } from "node:fs";\nconst s = "// not a comment"; import { b } from "./bom.ts";\n',
    "formats/bom.ts": "export const b = 1;\n",
    "pipeline/gold/build.ts": 'import "../../formats/csv.ts";\nexport { COLUMNS } from "../../contract/lake.ts";\n',
    "commands/run.ts": 'export const run = async () => (await import("../pipeline/gold/build.ts")).COLUMNS;\n',
    "cli.ts": 'import { run } from "./commands/run.ts";\nimport pkg from "../package.json";\n',
  };

  test("a tree that keeps the rules has nothing to report", () => {
    expect(reportOn(CLEAN)).toEqual({ fileCycles: [], folderCycles: [], layerImports: [], contractImports: [] });
  });

  test("two files that import each other are named with both imports", () => {
    const { fileCycles } = reportOn({
      ...CLEAN,
      "formats/parquet.ts": 'import { a } from "./parquet-writer.ts";\n',
      "formats/parquet-writer.ts": 'import {\n  b,\n} from "./parquet.ts";\n',
    });
    expect(fileCycles).toEqual([
      "file cycle src/formats/parquet-writer.ts → src/formats/parquet.ts → src/formats/parquet-writer.ts\n" +
        '  src/formats/parquet-writer.ts → src/formats/parquet.ts: src/formats/parquet-writer.ts:3 imports "./parquet.ts"\n' +
        '  src/formats/parquet.ts → src/formats/parquet-writer.ts: src/formats/parquet.ts:1 imports "./parquet-writer.ts"',
    ]);
  });

  test("folders in a cycle are named with the imports that close it, a dynamic import included", () => {
    const { folderCycles, fileCycles } = reportOn({
      ...CLEAN,
      "commands/options.ts": 'import { errors } from "../errors.ts";\n',
      "errors.ts": "export const errors = 1;\n",
    });
    // cli.ts → commands/run.ts and commands/options.ts → errors.ts: no file cycle, a folder one.
    expect(fileCycles).toEqual([]);
    expect(folderCycles).toEqual([
      "folder cycle src → src/commands → src\n" +
        '  src → src/commands: src/cli.ts:1 imports "./commands/run.ts"\n' +
        '  src/commands → src: src/commands/options.ts:1 imports "../errors.ts"',
    ]);
    const dynamic = reportOn({ ...CLEAN, "contract/sources.ts": 'const x = () => import("../commands/run.ts");\n' });
    expect(dynamic.folderCycles.join("\n")).toContain('src/contract/sources.ts:1 imports "../commands/run.ts"');
  });

  test("a layer imported by formats is named by file, line and import, type-only imports too", () => {
    const { layerImports, folderCycles } = reportOn({
      ...CLEAN,
      "pipeline/silver/rules.ts": "export type Rule = string;\n",
      "dashboard/view.ts": '\n\nimport type { Rule } from "../pipeline/silver/rules.ts";\n',
      "formats/parquet.ts": 'export { COLUMNS } from "../pipeline/gold/build.ts";\n',
    });
    expect(layerImports).toEqual([
      'src/dashboard/view.ts:3 imports "../pipeline/silver/rules.ts" (src/pipeline/silver/rules.ts): formats, storage, serving, the API and the dashboard import no file of a layer (what they share lives in src/contract or their own folder)',
      'src/formats/parquet.ts:1 imports "../pipeline/gold/build.ts" (src/pipeline/gold/build.ts): formats, storage, serving, the API and the dashboard import no file of a layer (what they share lives in src/contract or their own folder)',
    ]);
    // formats → pipeline/gold → formats is also a folder cycle.
    expect(folderCycles.join("\n")).toContain('src/formats/parquet.ts:1 imports "../pipeline/gold/build.ts"');
  });

  test("the contract importing any file of the project is named", () => {
    const { contractImports } = reportOn({ ...CLEAN, "contract/rejects.ts": 'import { run } from "../commands/run.ts";\n' });
    expect(contractImports).toEqual([
      'src/contract/rejects.ts:1 imports "../commands/run.ts" (src/commands/run.ts): the data contract imports nothing of the project',
    ]);
  });
});
