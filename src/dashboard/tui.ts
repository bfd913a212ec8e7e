import { errorLine } from "../core/errors.ts";
import { formatTime } from "../ui/format.ts";
import { columns } from "../ui/text.ts";
import type { DashboardData } from "./data.ts";
import { renderFrame } from "./render.ts";
import { periodsShown } from "./chart.ts";
import { onKey, splitKeys, type ViewState } from "./view.ts";

/**
 * The terminal while the dashboard runs: alternate screen, hidden cursor, raw keys, a whole
 * frame per redraw in one write (cursor home, then every line erased to its end: no clear,
 * so no flicker), and the terminal given back as it was on quit, on a signal and on a crash.
 */

export interface TuiInput {
  isTTY?: boolean;
  setRawMode(raw: boolean): unknown;
  setEncoding(encoding: "utf8"): unknown;
  resume(): unknown;
  pause(): unknown;
  on(event: "data", listener: (chunk: string) => void): unknown;
  off(event: "data", listener: (chunk: string) => void): unknown;
}

export interface TuiOutput {
  columns?: number;
  rows?: number;
  write(text: string): unknown;
  on(event: "resize", listener: () => void): unknown;
  off(event: "resize", listener: () => void): unknown;
}

export interface TuiOptions {
  initial: DashboardData;
  load: () => Promise<DashboardData>;
  color: boolean;
  refreshSeconds?: number;
  input?: TuiInput;
  output?: TuiOutput;
  /** After the terminal is restored: what to do with an error nothing caught. */
  onCrash?: (err: unknown) => void;
}

// Alternate screen, hidden cursor, no auto-wrap (a line one column too wide is clipped, not wrapped onto the next).
export const ENTER = "\x1b[?1049h\x1b[?25l\x1b[?7l";
export const LEAVE = "\x1b[?7h\x1b[?25h\x1b[?1049l";
const HOME = "\x1b[H";
const ERASE_LINE = "\x1b[K";

const SIGNALS = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;

const crashed = (err: unknown) => {
  process.stderr.write(`elt: ${errorLine(err)}\n`);
  process.exit(1);
};

export function runTui(options: TuiOptions): Promise<number> {
  const input = options.input ?? (process.stdin as TuiInput);
  const output = options.output ?? process.stdout;
  const onCrash = options.onCrash ?? crashed;
  let data = options.initial;
  let state: ViewState = { view: "overview", granularity: "day", now: Date.now(), refreshSeconds: options.refreshSeconds };
  let closed = false;

  const draw = () => {
    if (closed) return;
    state = { ...state, now: Date.now() };
    const width = output.columns ?? 80;
    const height = output.rows ?? 24;
    const lines = renderFrame(data, state, { width, height }, options.color).split("\n");
    while (lines.length < height) lines.push("");
    // Erasing after a full-width line would erase its last column: the cursor waits on it.
    output.write(HOME + lines.map((l) => (columns(l) < width ? l + ERASE_LINE : l)).join("\r\n"));
  };

  const refresh = async () => {
    if (state.loading || closed) return;
    state = { ...state, loading: true };
    draw();
    try {
      data = await options.load();
    } catch (err) {
      data = { ...data, warning: `refresh failed: ${errorLine(err)} (showing data of ${formatTime(data.loadedAt)} UTC)` };
    }
    state = { ...state, loading: false };
    draw();
  };

  return new Promise<number>((resolve, reject) => {
    const timer = options.refreshSeconds ? setInterval(() => void refresh(), options.refreshSeconds * 1000) : undefined;

    const restore = () => {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      input.off("data", onData);
      output.off("resize", draw);
      for (const [signal, handler] of signalHandlers) process.off(signal, handler);
      process.off("uncaughtException", onError);
      process.off("unhandledRejection", onError);
      process.off("exit", restore);
      input.setRawMode(false);
      input.pause();
      output.write(LEAVE);
    };
    const quit = (code: number) => {
      restore();
      resolve(code);
    };
    const onError = (err: unknown) => {
      restore();
      onCrash(err);
      resolve(1);
    };
    const onData = (chunk: string) => {
      for (const key of splitKeys(chunk)) {
        const page = periodsShown(output.columns ?? 80);
        const action = onKey(key, state, { page, max: Math.max(0, data.series[state.granularity].length - page) });
        if (action.kind === "quit") return quit(0);
        if (action.kind === "refresh") void refresh();
        if (action.kind === "view") {
          state = action.state;
          draw();
        }
      }
    };
    const signalHandlers = Object.entries(SIGNALS).map(([signal, code]) => [signal as NodeJS.Signals, () => quit(code)] as const);

    for (const [signal, handler] of signalHandlers) process.on(signal, handler);
    process.on("uncaughtException", onError);
    process.on("unhandledRejection", onError);
    process.on("exit", restore);
    output.write(ENTER);
    input.setRawMode(true);
    input.setEncoding("utf8");
    input.on("data", onData);
    input.resume();
    output.on("resize", draw);
    try {
      draw();
    } catch (err) {
      restore();
      reject(err);
    }
  });
}
