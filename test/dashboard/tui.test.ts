import { describe, expect, test } from "bun:test";
import { EventEmitter } from "node:events";
import type { DashboardData } from "../../src/dashboard/data.ts";
import { ENTER, LEAVE, runTui } from "../../src/dashboard/tui.ts";
import { onKey, splitKeys, type ViewState } from "../../src/dashboard/view.ts";
import { NOW } from "./fixture.ts";
import { fixtureData } from "./support.ts";

const data = await fixtureData();

class FakeInput extends EventEmitter {
  isTTY = true;
  raw: boolean[] = [];
  setRawMode(raw: boolean) {
    this.raw.push(raw);
  }
  setEncoding() {}
  resume() {}
  pause() {}
}

class FakeOutput extends EventEmitter {
  writes: string[] = [];
  constructor(
    public columns: number,
    public rows: number,
  ) {
    super();
  }
  write(text: string) {
    this.writes.push(text);
  }
  /** The last frame drawn, as the terminal shows it. */
  frame(): string[] {
    const last = this.writes.findLast((w) => w.startsWith("\x1b[H"))!;
    return last.slice(3).replaceAll("\x1b[K", "").split("\r\n");
  }
}

function start(options: { load?: () => Promise<DashboardData>; refreshSeconds?: number; size?: [number, number] } = {}) {
  const input = new FakeInput();
  const output = new FakeOutput(...(options.size ?? [80, 24]));
  const crashes: unknown[] = [];
  const done = runTui({
    initial: data,
    load: options.load ?? (async () => data),
    color: false,
    refreshSeconds: options.refreshSeconds,
    input,
    output,
    onCrash: (err) => crashes.push(err),
  });
  const press = (keys: string) => input.emit("data", keys);
  return { input, output, done, press, crashes };
}

/** The terminal as it was: raw mode off, cursor shown, main screen back, nothing left listening. */
function expectRestored(t: ReturnType<typeof start>, signalsBefore: number) {
  expect(t.input.raw).toEqual([true, false]);
  expect(t.output.writes.at(-1)).toBe(LEAVE);
  expect(LEAVE).toContain("\x1b[?25h");
  expect(LEAVE).toContain("\x1b[?1049l");
  expect(t.input.listenerCount("data")).toBe(0);
  expect(t.output.listenerCount("resize")).toBe(0);
  expect(process.listenerCount("SIGINT")).toBe(signalsBefore);
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("the live dashboard", () => {
  test("alternate screen, hidden cursor, one write per frame from the cursor home, never a clear", async () => {
    const before = process.listenerCount("SIGINT");
    const t = start();
    expect(t.output.writes[0]).toBe(ENTER);
    expect(ENTER).toContain("\x1b[?1049h");
    expect(ENTER).toContain("\x1b[?25l");
    expect(t.input.raw).toEqual([true]);
    const lines = t.output.frame();
    expect(lines).toHaveLength(24);
    expect(lines.join("\n")).toContain("1,234,567.89 €");

    t.press("4");
    expect(t.output.frame().join("\n")).toContain("Recent runs");
    t.press("m");
    t.press("2");
    const sales = t.output.frame().join("\n");
    expect(sales).toContain("day week [month]");
    expect(sales).toContain("[2 sales]");
    // Every write after entering is a whole frame: cursor home first, 24 lines.
    for (const w of t.output.writes.slice(1)) {
      expect(w.startsWith("\x1b[H")).toBe(true);
      expect(w.split("\r\n")).toHaveLength(24);
    }
    expect(t.output.writes.join("")).not.toContain("\x1b[2J");

    t.press("q");
    expect(await t.done).toBe(0);
    expectRestored(t, before);
  });

  test("lays itself out again on resize, down to 40x15", async () => {
    const t = start({ size: [120, 40] });
    t.output.columns = 40;
    t.output.rows = 15;
    t.output.emit("resize");
    const lines = t.output.frame();
    expect(lines).toHaveLength(15);
    for (const line of lines) expect(Bun.stringWidth(line)).toBeLessThanOrEqual(40);
    expect(lines.join("\n")).toContain("1,234,567.89 €");
    t.press("\x03");
    expect(await t.done).toBe(0);
  });

  test("r reloads: 'refreshing…' while loading, then the new figures", async () => {
    let release!: (d: DashboardData) => void;
    const t = start({ load: () => new Promise((resolve) => (release = resolve)) });
    t.press("r");
    expect(t.output.frame()[0]).toContain("refreshing…");
    release({ ...data, kpis: { ...data.kpis, ca_total: 2_000_000 }, loadedAt: NOW + 60_000 });
    await tick();
    expect(t.output.frame()[0]).not.toContain("refreshing…");
    expect(t.output.frame().join("\n")).toContain("2,000,000.00 €");
    t.press("q");
    await t.done;
  });

  test("a failed reload keeps the data on screen and says why", async () => {
    const t = start({ load: () => Promise.reject(new Error("no API answers at http://127.0.0.1:8000 (connection refused)")) });
    t.press("r");
    await tick();
    expect(t.output.frame()[1]).toBe(
      "! refresh failed: no API answers at http://127.0.0.1:8000 (connection refused) (showing data of 10:05:00 UTC)".slice(0, 80 - 1) + "…",
    );
    expect(t.output.frame().join("\n")).toContain("1,234,567.89 €");
    t.press("q");
    await t.done;
  });

  test("--refresh reloads on its own", async () => {
    let loaded!: () => void;
    const called = new Promise<void>((resolve) => (loaded = resolve));
    const t = start({
      refreshSeconds: 1,
      load: async () => {
        loaded();
        return data;
      },
    });
    expect(t.output.frame().at(-1)).toContain("(every 1 s)");
    await called;
    t.press("q");
    expect(await t.done).toBe(0);
  });

  test("a termination signal restores the terminal and exits 128 + signal", async () => {
    const before = process.listenerCount("SIGINT");
    const t = start();
    process.emit("SIGTERM");
    expect(await t.done).toBe(143);
    expectRestored(t, before);
  });

  test("a crash restores the terminal before anything is reported", async () => {
    const before = process.listenerCount("SIGINT");
    const t = start();
    const boom = new Error("boom");
    process.emit("uncaughtException", boom, "uncaughtException");
    expect(await t.done).toBe(1);
    expect(t.crashes).toEqual([boom]);
    expectRestored(t, before);
  });

  test("keys pasted together are taken one by one", async () => {
    const t = start();
    t.press("4w2q");
    expect(await t.done).toBe(0);
    expect(t.output.frame().join("\n")).toContain("day [week] month");
  });
});

describe("keys", () => {
  const state: ViewState = { view: "overview", granularity: "day", now: NOW };

  test("escape sequences stay whole", () => {
    expect(splitKeys("\x1b[C4\x1b[Zq\x1bOD")).toEqual(["\x1b[C", "4", "\x1b[Z", "q", "\x1bOD"]);
  });

  test("←/→ move the chart half its width through the series, never past either end; d/w/m start again at the latest", () => {
    const pan = (key: string, from: ViewState, max = 100) => {
      const a = onKey(key, from, { page: 21, max });
      return a.kind === "view" ? a.state.pan : a.kind;
    };
    expect(pan("\x1b[D", state)).toBe(10);
    expect(pan("\x1bOD", { ...state, pan: 10 })).toBe(20);
    expect(pan("\x1b[C", { ...state, pan: 20 })).toBe(10);
    expect(pan("\x1b[C", { ...state, pan: 4 })).toBe(0);
    expect(pan("\x1b[C", state)).toBe("none");
    expect(pan("\x1b[D", { ...state, pan: 95 })).toBe(100);
    expect(pan("\x1b[D", { ...state, pan: 100 })).toBe("none");
    expect(onKey("w", { ...state, pan: 30 })).toEqual({ kind: "view", state: { ...state, granularity: "week", pan: 0 } });
  });

  test("views by number and Tab (wrapping); d/w/m; r; q and Ctrl-C", () => {
    const view = (key: string, from = state) => {
      const a = onKey(key, from);
      return a.kind === "view" ? a.state.view : a.kind;
    };
    expect(view("3")).toBe("breakdown");
    expect(view("\t")).toBe("sales");
    expect(view("\x1b[Z")).toBe("pipeline");
    expect(view("\t", { ...state, view: "pipeline" })).toBe("overview");
    expect(view("5")).toBe("none");
    expect(onKey("w", state)).toEqual({ kind: "view", state: { ...state, granularity: "week", pan: 0 } });
    expect(onKey("M", state)).toEqual({ kind: "view", state: { ...state, granularity: "month", pan: 0 } });
    expect(onKey("r", state).kind).toBe("refresh");
    expect(onKey("q", state).kind).toBe("quit");
    expect(onKey("\x03", state).kind).toBe("quit");
  });
});
