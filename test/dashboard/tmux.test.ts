import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { GoldTableName } from "../../src/contract/gold-tables.ts";
import type { Row } from "../../src/contract/columns.ts";
import { recordKey } from "../../src/runner/run-store.ts";
import { openSqliteStore } from "../../src/serving/sqlite/sqlite.ts";
import { FolderStore } from "../../src/storage/folder.ts";
import { compiledElt } from "../support/compiled.ts";
import { RUNS, TABLES } from "./fixture.ts";

/**
 * The compiled executable's dashboard in a real terminal (tmux): keys, resize, and the terminal
 * given back on q, Ctrl-C and SIGTERM. ELT_BIN names another executable to test instead.
 */

const root = resolve(import.meta.dir, "../..");
const TMUX = "/usr/bin/tmux";
const bin = process.env.ELT_BIN ? resolve(root, process.env.ELT_BIN) : await compiledElt();
const missing = !existsSync(TMUX)
  ? "tmux is not installed (apt-get install tmux)"
  : !existsSync(bin)
    ? `ELT_BIN=${process.env.ELT_BIN} does not exist (build it first)`
    : null;
if (missing) process.stderr.write(`dashboard tmux suite skipped: ${missing}\n`);

const socket = `elt-dashboard-test-${process.pid}`;
/** Each test starts the CLI (a second or so, more on a busy machine) up to three times. */
const SLOW = 60_000;
let home: string;
let deadApi: string;

const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
const elt = () => quote(bin);

function tmux(...args: string[]): string {
  const p = Bun.spawnSync([TMUX, "-L", socket, ...args]);
  if (p.exitCode !== 0) throw new Error(`tmux ${args.join(" ")}: ${p.stderr.toString()}`);
  return p.stdout.toString();
}

/** Starts the dashboard in a fresh tmux session; its exit code lands in `<name>.exit`, the pane stays open. */
function launch(name: string, args: string, size: [number, number] = [100, 30], env = ""): string {
  const exit = join(home, `${name}.exit`);
  const command = `env ELT_HOME=${quote(join(home, ".elt"))} API_URL=${deadApi} ${env} ${elt()} dashboard ${args}; echo $? > ${quote(exit)}; sleep 600`;
  tmux("new-session", "-d", "-s", name, "-x", String(size[0]), "-y", String(size[1]), command);
  return exit;
}

const screen = (name: string, escapes = false) => tmux("capture-pane", "-p", ...(escapes ? ["-e"] : []), "-t", name);
const paneState = (name: string) => tmux("display-message", "-p", "-t", name, "#{alternate_on} #{cursor_flag}").trim();

/** Polls until the condition holds; on timeout fails with what the screen showed. */
async function waitFor(what: string, check: () => boolean, show: () => string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the screen shows:\n${show()}`);
    await Bun.sleep(100);
  }
}

const waitScreen = (name: string, text: string) => waitFor(`"${text}"`, () => screen(name).includes(text), () => screen(name));
const waitExit = async (name: string, file: string) => {
  await waitFor(`${name} to exit`, () => existsSync(file) && readFileSync(file, "utf8").trim() !== "", () => screen(name));
  return Number(readFileSync(file, "utf8").trim());
};

async function* batch(rows: readonly Row[]): AsyncIterable<Row[]> {
  yield [...rows];
}

describe.skipIf(missing !== null)(`the dashboard in tmux${missing ? ` (skipped: ${missing})` : ""}`, () => {
  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), "elt-tmux-"));
    mkdirSync(join(home, ".elt"));
    const serving = openSqliteStore(join(home, ".elt", "serving.sqlite"));
    for (const [table, rows] of Object.entries(TABLES)) await serving.replaceTable(table as GoldTableName, batch(rows), RUNS[0]!.id);
    await serving.close();
    const lake = new FolderStore(join(home, ".elt", "lake"));
    await lake.ensureBuckets(["runs"]);
    for (const run of RUNS) await lake.put("runs", recordKey(run.id), JSON.stringify(run));
    const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
    deadApi = `http://127.0.0.1:${probe.port}`;
    probe.stop(true);
  });

  afterAll(() => {
    Bun.spawnSync([TMUX, "-L", socket, "kill-server"]);
    rmSync(home, { recursive: true, force: true });
  });

  test("alternate screen and hidden cursor; keys switch views; resize to 40x15; q gives the terminal back", async () => {
    const exit = launch("keys", "");
    await waitScreen("keys", "1,234,567.89 €");
    expect(paneState("keys")).toBe("1 0");
    expect(screen("keys").split("\n")[0]).toContain(`no API answers at ${deadApi}`);

    tmux("send-keys", "-t", "keys", "4");
    await waitScreen("keys", "Recent runs");
    expect(screen("keys")).toContain("20240311T095900Z-all-ab12");

    tmux("send-keys", "-t", "keys", "2", "m");
    await waitScreen("keys", "day week [month]");

    tmux("resize-window", "-t", "keys", "-x", "40", "-y", "15");
    await waitScreen("keys", "[2] 1-4 views");
    const small = screen("keys").replace(/\n$/, "").split("\n");
    expect(small).toHaveLength(15);
    expect(small[0]).toBe("elt dashboard · local store (API down)");
    // At 40 columns the chart's title keeps the range it shows and gives up the legend's words.
    expect(small[1]).toStartWith("2024-02 to 2024-03");
    expect(small[14]).toContain("q quit");

    tmux("send-keys", "-t", "keys", "q");
    expect(await waitExit("keys", exit)).toBe(0);
    expect(paneState("keys")).toBe("0 1");
  }, SLOW);

  test("Ctrl-C quits and gives the terminal back", async () => {
    const exit = launch("ctrlc", "--refresh 30");
    await waitScreen("ctrlc", "(every 30 s)");
    tmux("send-keys", "-t", "ctrlc", "C-c");
    expect(await waitExit("ctrlc", exit)).toBe(0);
    expect(paneState("ctrlc")).toBe("0 1");
  }, SLOW);

  test("SIGTERM gives the terminal back and exits 143", async () => {
    const exit = launch("term", "");
    await waitScreen("term", "1,234,567.89 €");
    const shell = tmux("display-message", "-p", "-t", "term", "#{pane_pid}").trim();
    const pid = Bun.spawnSync(["pgrep", "-P", shell]).stdout.toString().trim().split("\n")[0]!;
    process.kill(Number(pid), "SIGTERM");
    expect(await waitExit("term", exit)).toBe(143);
    expect(paneState("term")).toBe("0 1");
  }, SLOW);

  test("--once on a terminal: one coloured frame, no colour with NO_COLOR or --no-color", async () => {
    const colored = launch("once", "--once --width 60 --height 20");
    expect(await waitExit("once", colored)).toBe(0);
    expect(screen("once", true)).toContain("\x1b[");
    expect(screen("once")).toContain("1,234,567.89 €");

    const noColor = launch("nocolor", "--once --width 60 --height 20", [100, 30], "NO_COLOR=1");
    expect(await waitExit("nocolor", noColor)).toBe(0);
    expect(screen("nocolor")).toContain("1,234,567.89 €");
    expect(screen("nocolor", true)).not.toContain("\x1b[");

    const flag = launch("flag", "--once --no-color --width 60 --height 20");
    expect(await waitExit("flag", flag)).toBe(0);
    expect(screen("flag", true)).not.toContain("\x1b[");
  }, SLOW);

  test("piped, it prints one plain frame of the asked size and exits", () => {
    const p = Bun.spawnSync([bin, "dashboard", "--width", "80", "--height", "24"], {
      env: { ...process.env, ELT_HOME: join(home, ".elt"), API_URL: deadApi, NO_COLOR: "" },
    });
    expect(p.exitCode).toBe(0);
    const out = p.stdout.toString();
    expect(out).not.toContain("\x1b");
    const lines = out.replace(/\n$/, "").split("\n");
    expect(lines).toHaveLength(24);
    for (const line of lines) expect(Bun.stringWidth(line)).toBeLessThanOrEqual(80);
    expect(lines[0]).toContain("(no API answers at");
  }, SLOW);
});
