import { describe, expect, test } from "bun:test";
import type { DashboardData } from "../../src/dashboard/data.ts";
import { renderFrame } from "../../src/dashboard/render.ts";
import { GRANULARITIES, VIEWS, type Granularity, type View } from "../../src/dashboard/view.ts";
import { NOW } from "./fixture.ts";
import { fixtureData, plainLines } from "./support.ts";

const data = await fixtureData();

function frame(d: DashboardData, view: View, width: number, height: number, granularity: Granularity = "day", color = false) {
  return renderFrame(d, { view, granularity, now: NOW }, { width, height }, color);
}

const SIZES = [
  [120, 40],
  [80, 24],
  [40, 15],
] as const;

/** Columns before `needle` on a line (wide characters count two). */
const columnOf = (line: string, needle: string) => Bun.stringWidth(line.slice(0, line.indexOf(needle)));

const EIGHTHS: Record<string, number> = { "▏": 1, "▎": 2, "▍": 3, "▌": 4, "▋": 5, "▊": 6, "▉": 7, "█": 8 };
/** The horizontal bar after `name` on a line, in eighths of a cell. */
function barAfter(line: string, name: string): number {
  const rest = [...line.slice(line.indexOf(name) + name.length)];
  const start = rest.findIndex((c) => c in EIGHTHS);
  let total = 0;
  for (let i = start; i < rest.length && rest[i]! in EIGHTHS; i++) total += EIGHTHS[rest[i]!]!;
  return total;
}

describe("every view at every size", () => {
  for (const view of VIEWS) {
    for (const [w, h] of SIZES) {
      test(`${view} ${w}x${h}: exactly ${h} lines, none wider than ${w} columns, header first and keys last`, () => {
        for (const granularity of GRANULARITIES) {
          const f = frame(data, view, w, h, granularity);
          expect(f).not.toContain("\x1b");
          const lines = plainLines(f);
          expect(lines).toHaveLength(h);
          for (const line of lines) expect(Bun.stringWidth(line)).toBeLessThanOrEqual(w);
          expect(lines[0]).toStartWith("elt");
          expect(lines.at(-1)).toContain("q quit");
        }
      });
    }
  }

  test("any size from 40x15 up, with long names, huge figures and a long history: never a line too many or too wide", () => {
    const big: DashboardData = {
      ...data,
      kpis: {
        ca_total: 9876543210.99,
        nb_achats_total: 123456789,
        panier_moyen: 80.01,
        nb_clients_uniques: 9876543,
        montant_moyen_par_client: 1000.5,
        taux_croissance_mensuel: 1234.5,
        montant_median: 55.5,
      },
      series: {
        day: Array.from({ length: 1000 }, (_, i) => ({ key: `d${i}`, ca: (i % 17) * 1e7, achats: i * 1000 })),
        week: Array.from({ length: 300 }, (_, i) => ({ key: `w${i}`, ca: 5e8 - i, achats: 5 })),
        month: [{ key: "2024-01", ca: 0, achats: 0 }],
      },
      products: Array.from({ length: 30 }, (_, i) => ({ name: `Produit au nom très long numéro ${i}`, ca: 1e9 / (i + 1), share: 100 / (i + 1) })),
      countries: Array.from({ length: 12 }, (_, i) => ({ name: `国名${"長".repeat(i)}`, ca: 1e8 * (12 - i), share: null })),
    };
    for (let w = 40; w <= 180; w += 7) {
      for (let h = 15; h <= 55; h += 4) {
        for (const view of VIEWS) {
          for (const granularity of GRANULARITIES) {
            const lines = plainLines(frame(big, view, w, h, granularity));
            expect(lines).toHaveLength(h);
            for (const line of lines) expect(Bun.stringWidth(line)).toBeLessThanOrEqual(w);
            expect(lines.at(-1)).toContain("q quit");
          }
        }
      }
    }
  });

  test("below 40x15 the frame says the terminal is too small instead of garbling", () => {
    for (const [w, h] of [
      [39, 15],
      [40, 14],
    ] as const) {
      const lines = plainLines(frame(data, "overview", w, h));
      expect(lines[0]).toBe(`terminal too small: ${w}x${h}`);
      for (const line of lines) expect(Bun.stringWidth(line)).toBeLessThanOrEqual(w);
    }
  });
});

describe("an empty lake", () => {
  // SPEC: with no purchase kept, kpis is one row of zeros and nulls and the other tables are empty.
  const empty: DashboardData = {
    ...data,
    kpis: {
      ca_total: 0,
      nb_achats_total: 0,
      panier_moyen: null,
      nb_clients_uniques: 0,
      montant_moyen_par_client: null,
      taux_croissance_mensuel: null,
      montant_median: null,
    },
    series: { day: [], week: [], month: [] },
    products: [],
    countries: [],
    lastWrite: null,
    runs: [],
  };

  test("every view says what is missing, within the frame", () => {
    for (const [w, h] of SIZES) {
      const all = VIEWS.map((view) => {
        const lines = plainLines(frame(empty, view, w, h));
        expect(lines).toHaveLength(h);
        for (const line of lines) expect(Bun.stringWidth(line)).toBeLessThanOrEqual(w);
        return lines.join("\n");
      }).join("\n");
      expect(all).toContain("0.00 €");
      expect(all).toContain("—");
      expect(all).toContain("no sales yet");
      expect(all).toContain("no purchases to chart yet");
      expect(all).toContain("nothing served yet");
      expect(all).toContain("no runs yet");
    }
  });
});

describe("overview", () => {
  const KPI_TEXT = ["1,234,567.89 €", "4,321", "285.71 €", "-12.3 %", "987", "1,250.83 €", "199.50 €"];

  for (const [w, h] of SIZES) {
    test(`${w}x${h}: every KPI formatted whole`, () => {
      const text = plainLines(frame(data, "overview", w, h)).join("\n");
      for (const value of KPI_TEXT) expect(text).toContain(value);
    });
  }

  test("KPIs, then the chart, then the breakdown, each on its own lines", () => {
    for (const [w, h] of [
      [120, 40],
      [80, 24],
    ] as const) {
      const lines = plainLines(frame(data, "overview", w, h));
      const kpi = lines.findIndex((l) => l.includes("1,234,567.89 €"));
      const chart = lines.findIndex((l) => l.startsWith("CA (line) and achats (bars) per day"));
      const axis = lines.findLastIndex((l) => l.includes("2024-02-01"));
      const breakdown = lines.findIndex((l) => l.startsWith("CA par produit"));
      expect(kpi).toBeGreaterThan(0);
      expect(chart).toBeGreaterThan(kpi);
      expect(axis).toBeGreaterThan(chart);
      expect(breakdown).toBeGreaterThan(axis);
      expect(lines.findIndex((l) => l.startsWith("Laptop"))).toBe(breakdown + 1);
    }
  });

  test("at 40x15 the chart is dropped, the KPIs one per line and the top products kept", () => {
    const lines = plainLines(frame(data, "overview", 40, 15));
    expect(lines.join("\n")).not.toContain("CA (line)");
    expect(lines[1]).toBe(`CA total${" ".repeat(40 - 8 - 14)}1,234,567.89 €`);
    expect(lines.some((l) => l.startsWith("Laptop"))).toBe(true);
  });
});

describe("products and countries", () => {
  const lines = plainLines(frame(data, "breakdown", 120, 40));
  const row = (name: string) => lines.find((l) => l.includes(`${name} `))!;

  test("bars are proportional to CA, to the nearest eighth of a cell", () => {
    // 120 columns: two halves of 58 and 59. Left: name 6 + bar + " 800,000.00 €" 13 + " 64.8 %" 7 = 58 → 31 cells.
    expect(barAfter(row("Laptop"), "Laptop")).toBe(31 * 8);
    expect(barAfter(row("Phone"), "Phone")).toBe(124); // 400,000 / 800,000 × 248
    expect(barAfter(row("Mouse"), "Mouse")).toBe(11); // 34,567.891 / 800,000 × 248 = 10.7
    // Right: name 12 ("(no country)") + 1 + bar + 13 + 7 = 59 → 26 cells.
    expect(barAfter(row("France"), "France")).toBe(208);
    expect(barAfter(row("Germany"), "Germany")).toBe(104);
    expect(barAfter(row("日本"), "日本")).toBe(52); // 150,000 / 600,000 × 208
    // kpis counts 821 purchases and 184,567.891 € beyond the countries': 184,567.891 / 600,000 × 208 = 64.0
    expect(barAfter(row("(no country)"), "(no country)")).toBe(64);
  });

  test("each bar shows its CA and its share of the total CA", () => {
    expect(row("Laptop")).toContain("800,000.00 € 64.8 %");
    expect(row("Mouse")).toContain("34,567.89 €  2.8 %");
    // Countries: share of kpis.ca_total 1,234,567.891 (orphans and unknown countries make up the rest).
    expect(row("France")).toContain("600,000.00 € 48.6 %");
    expect(row("日本")).toContain("150,000.00 € 12.2 %");
    // The purchases without a country get their own row, so the shares add up to 100 %.
    expect(row("(no country)")).toContain("184,567.89 € 14.9 %"); // 14.9499…: toFixed rounds the double down
  });

  test("side by side, the right block starts in one column on every line, wide names included", () => {
    const right = columnOf(lines.find((l) => l.includes("CA par pays"))!, "CA par pays");
    expect(right).toBe(61);
    for (const name of ["France", "Germany", "日本"]) expect(columnOf(row(name), name)).toBe(right);
    const bar = (name: string) => columnOf(row(name), "█");
    expect(bar("日本")).toBe(columnOf(row("France"), "█"));
    expect(bar("Germany")).toBe(columnOf(row("France"), "█"));
  });

  test("when rows run out the title says how many are shown", () => {
    const many = Array.from({ length: 30 }, (_, i) => ({ name: `P${i}`, ca: 1000 - i, share: 1 }));
    const text = plainLines(frame({ ...data, products: many }, "breakdown", 120, 24)).join("\n");
    expect(text).toContain("CA par produit (top 20 of 30)");
    expect(text).toContain("P19 ");
    expect(text).not.toContain("P20 ");
  });
});

describe("CA and purchases over time", () => {
  const lines = plainLines(frame(data, "sales", 120, 40));
  const axis = lines.findLastIndex((l) => l.includes("2024-02-01"));
  const first = columnOf(lines[axis]!, "2024-02-01");

  test("the x axis runs from the first to the last day, under the points", () => {
    expect(first).toBe(9); // the axis labels' fixed width
    expect(lines[axis]!.trimEnd()).toEndWith("2024-03-11");
    // 110 columns for 40 days: 2 columns a day; the last key ends under the 40th day.
    expect(Bun.stringWidth(lines[axis]!.trimEnd())).toBe(first + 80);
  });

  test("purchase bars rise with the number of purchases, to the nearest eighth", () => {
    // Body 37 lines: 6 bar rows (48 eighths); day i has i+1 purchases out of 40.
    const VERTICAL: Record<string, number> = { " ": 0, "▁": 1, "▂": 2, "▃": 3, "▄": 4, "▅": 5, "▆": 6, "▇": 7, "█": 8 };
    const bars = lines.slice(axis - 6, axis).map((l) => [...l]);
    for (let i = 0; i < 80; i++) {
      const eighths = bars.reduce((sum, row) => sum + VERTICAL[row[first + i] ?? " "]!, 0);
      expect(eighths).toBe(Math.round(((Math.floor(i / 2) + 1) / 40) * 48));
    }
    expect(lines[axis - 6]!.trimStart()).toStartWith("40 "); // the bars' scale: 40 purchases at most
  });

  test("the CA line ends on its top row (40,000 €) and the axis starts at 0 €", () => {
    const title = lines.findIndex((l) => l.startsWith("CA (line)"));
    const top = lines[title + 1]!;
    expect(top).toStartWith(" 40.0 k€ ");
    expect([...top][first + 79]).not.toBe(" ");
    expect([...top].slice(first + 80).join("").trim()).toBe("");
    expect(lines[axis - 7]).toStartWith("     0 € ┤");
  });

  test("d/w/m switch the periods and the selector", () => {
    const month = plainLines(frame(data, "sales", 80, 24, "month")).join("\n");
    expect(month).toContain("per month");
    expect(month).toContain("day week [month]");
    // Two months in 70 columns: 35 each, the keys under the first and the last.
    expect(month).toContain("per month · 2024-02 to 2024-03 ");
    const axisLine = month.split("\n").findLast((l) => l.includes("2024-02"))!;
    expect(axisLine).toBe(`${" ".repeat(9)}2024-02${" ".repeat(70 - 14)}2024-03`);
    const week = plainLines(frame(data, "sales", 80, 24, "week")).join("\n");
    expect(week).toContain("day [week] month");
    expect(week).toMatch(/2024-W05 +2024-W07/);
  });

  test("only the most recent periods that fit are drawn", () => {
    const lines40 = plainLines(frame(data, "sales", 40, 15));
    const axis40 = lines40.find((l) => l.includes("2024-03-11"))!;
    // 40 columns less the label (9) and the axis: the last 30 of the 40 days, from 2024-02-11.
    expect(axis40.trim()).toMatch(/^2024-02-11 +2024-03-11$/);
  });

  test("the title says which periods are shown; moved back, the chart shows earlier ones and says so", () => {
    const at = (pan: number) => plainLines(renderFrame(data, { view: "sales", granularity: "day", now: NOW, pan }, { width: 80, height: 24 }, false));
    const latest = at(0);
    // 80 columns less the label (9) and the axis: 70 periods fit, all 40 days are shown.
    expect(latest.find((l) => l.startsWith("CA (line)"))).toContain("per day · 2024-02-01 to 2024-03-11");
    const narrow = plainLines(renderFrame(data, { view: "sales", granularity: "day", now: NOW, pan: 10 }, { width: 40, height: 15 }, false));
    // 30 of 40 days fit; moved back 10, the window ends ten days before the last.
    const axis = narrow.findLast((l) => l.includes("2024-03-01"))!;
    expect(axis.trim()).toMatch(/^2024-02-01 +2024-03-01$/);
    expect(plainLines(renderFrame(data, { view: "sales", granularity: "day", now: NOW, pan: 10 }, { width: 120, height: 15 }, false)).join("\n")).toContain(
      "per day · 2024-02-01 to 2024-03-11",
    );
    // Further back than the first period, it stops at the first.
    const far = plainLines(renderFrame(data, { view: "sales", granularity: "day", now: NOW, pan: 1000 }, { width: 40, height: 15 }, false));
    expect(far.findLast((l) => l.includes("2024-02-01"))!.trim()).toMatch(/^2024-02-01 +2024-03-01$/);
  });

  test("a part of the series shown says how much of it, and that ←/→ move it", () => {
    // 100 columns, 90 periods fit: a series of 120 days moved back 10 shows days 21 to 110.
    const long = { ...data, series: { ...data.series, day: Array.from({ length: 120 }, (_, i) => ({ key: `d${String(i + 1).padStart(3, "0")}`, ca: i, achats: i })) } };
    const moved = plainLines(renderFrame(long, { view: "sales", granularity: "day", now: NOW, pan: 10 }, { width: 100, height: 20 }, false));
    expect(moved.find((l) => l.includes("per day"))).toStartWith("CA (line) and achats (bars) per day · d021 to d110, 90 of 120 (←/→)");
    // Narrow, the legend's words give way first; the count and the keys stay.
    const narrow = plainLines(renderFrame(long, { view: "sales", granularity: "day", now: NOW, pan: 10 }, { width: 40, height: 15 }, false));
    expect(narrow.find((l) => l.includes("(←/→)"))).toStartWith("30 of 120 (←/→)");
  });

  test("no purchases: a message instead of an empty chart", () => {
    const empty = { ...data, series: { day: [], week: [], month: [] } };
    expect(plainLines(frame(empty, "sales", 80, 24)).join("\n")).toContain("no purchases to chart yet");
  });
});

describe("header", () => {
  test("says when the local store stands in for an API that did not answer", async () => {
    const fallback = await fixtureData({}, "http://127.0.0.1:9");
    expect(plainLines(frame(fallback, "overview", 120, 40))[0]).toContain(
      "local store /memory/serving.sqlite (no API answers at http://127.0.0.1:9)",
    );
    expect(plainLines(frame(fallback, "overview", 40, 15))[0]).toContain("(API down)");
  });

  test("names the API it reads", () => {
    const api = { ...data, source: { kind: "api" as const, url: "http://127.0.0.1:8000" } };
    expect(plainLines(frame(api, "overview", 80, 24))[0]).toStartWith("elt dashboard · API http://127.0.0.1:8000");
  });

  test("tells how fresh the data is, and warns when a refresh failed", () => {
    expect(plainLines(frame(data, "overview", 120, 40))[1]).toBe(
      "data written 5 min ago · last run succeeded 6 min ago in 1 min 01 s",
    );
    const stale = { ...data, warning: "refresh failed: no API answers" };
    expect(plainLines(frame(stale, "overview", 120, 40))[1]).toBe("! refresh failed: no API answers");
    expect(plainLines(frame(stale, "overview", 40, 15))[0]).toContain("! stale");
    expect(plainLines(frame(stale, "overview", 120, 19))[0]).toContain("! stale");
  });
});

describe("pipeline", () => {
  test("the latest run's checks: warned and failed ones on their own line, and each dataset's reject rate across runs", () => {
    const rate = (subject: string, value: number, outcome: string) => ({ check: "reject_rate", subject, value, unit: "%", warn: 5, error: 50, fails: "above", outcome });
    const withChecks = (run: (typeof data.runs)[number], checks: object[]) => ({
      ...run,
      tasks: [...run.tasks, { name: "silver", state: "succeeded" as const, attempts: 1, metrics: { checks } }],
    });
    const runs = [
      withChecks(data.runs[0]!, [rate("clients", 1, "passed"), rate("achats", 6.2, "warned")]),
      withChecks(data.runs[1]!, [rate("clients", 1, "passed"), rate("achats", 2, "passed")]),
    ];
    const lines = plainLines(frame({ ...data, runs }, "pipeline", 100, 40));
    expect(lines).toContain(`Checks of run ${runs[0]!.id}: 1 of 2 passed`);
    expect(lines).toContain("⚠ achats reject rate 6.2 % > 5 % (warn)");
    // Oldest first: 2 % then 6.2 %, lowest and highest.
    expect(lines).toContain("reject rate achats   ▁█  6.2 %");
    expect(lines).toContain("reject rate clients  ▁▁  1.0 %");
  });


  test("the recent runs with state, when, duration and the rows silver kept, and the last write", () => {
    const text = plainLines(frame(data, "pipeline", 120, 40)).join("\n");
    expect(text).toContain("last write 2024-03-11 10:00:00 UTC (5 min ago), run 20240311T095900Z-all-ab12");
    // KEPT is silver's rows out (4,321), not a sum over layers that counts each row once per layer.
    expect(text).toMatch(/succeeded +6 min ago +1 min 01 s +4,321 +all +2024-03-11 09:59:00 UTC +20240311T095900Z-all-ab12/);
    // A run that failed before silver kept nothing.
    expect(text).toMatch(/failed +1 d ago +1\.50 s +— +all/);
  });

  test("narrow terminals drop columns from the right rather than wrap", () => {
    const lines = plainLines(frame(data, "pipeline", 40, 15));
    expect(lines.find((l) => l.startsWith("STATE"))).toMatch(/^STATE +WHEN +DURATION +KEPT$/);
  });

  test("an unreachable runs bucket is said, not fatal", () => {
    const text = plainLines(frame({ ...data, runs: [], runsError: "cannot reach S3" }, "pipeline", 80, 24)).join("\n");
    expect(text).toContain("runs unavailable: cannot reach S3");
  });
});

describe("colour", () => {
  test("growth is red when negative, green when positive; colour never changes the layout", () => {
    const down = frame(data, "overview", 120, 40, "day", true);
    expect(down).toMatch(/\x1b\[31m-12\.3 %/);
    expect(plainLines(down)).toEqual(plainLines(frame(data, "overview", 120, 40)));
    const up = { ...data, kpis: { ...data.kpis, taux_croissance_mensuel: 16.26 } };
    expect(frame(up, "overview", 80, 24, "day", true)).toMatch(/\x1b\[32m\+16\.3 %/);
  });

  test("only colour escapes: no cursor movement or clearing inside a frame", () => {
    for (const view of VIEWS) {
      const f = frame(data, view, 80, 24, "day", true);
      expect(f.replace(/\x1b\[[0-9;]*m/g, "")).not.toContain("\x1b");
    }
  });
});
