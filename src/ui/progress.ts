import kleur from "kleur";
import type { FlowObserver } from "../runner/flow.ts";
import type { TaskRecord } from "../runner/record.ts";
import { formatInt } from "./format.ts";

/**
 * How a running flow looks in the terminal: a live, rewritten line per task on a TTY; plain
 * lines with no escape codes when output is piped; nothing at all with --json.
 */

const ICON: Record<TaskRecord["state"], string> = {
  pending: "·",
  running: "›",
  succeeded: kleur.green("✔"),
  failed: kleur.red("✖"),
  skipped: kleur.yellow("↷"),
};

export const seconds = (ms: number | undefined) => `${((ms ?? 0) / 1000).toFixed(2)} s`;
export const count = (n: number | undefined) => formatInt(n ?? 0);

export function taskLine(t: TaskRecord): string {
  const rows = t.rows_in !== undefined || t.rows_out !== undefined ? `  ${count(t.rows_in)} → ${count(t.rows_out)} rows` : "";
  const tail = t.state === "failed" ? `  ${kleur.red(t.error ?? "")}` : t.state === "skipped" ? `  ${kleur.dim(t.reason ?? "")}` : "";
  const retries = t.attempts > 1 ? kleur.dim(` (${t.attempts} attempts)`) : "";
  return `${ICON[t.state]} ${t.name.padEnd(15)} ${seconds(t.duration_ms).padStart(9)}${rows}${retries}${tail}`;
}

export function terminalObserver(stream: NodeJS.WriteStream = process.stderr): FlowObserver {
  const live = stream.isTTY === true;
  let lastDraw = 0;
  const draw = (text: string) => {
    if (!live) return;
    const width = stream.columns ?? 80;
    stream.write(`\r\x1b[K${text.slice(0, width - 1)}`);
  };
  return {
    taskStarted: (t) => draw(`${ICON.running} ${t.name}`),
    taskProgress: (name, step) => {
      const now = Date.now();
      if (now - lastDraw < 80) return; // a redraw per batch would cost more than the work
      lastDraw = now;
      draw(`${ICON.running} ${name.padEnd(15)} ${kleur.dim(step.rows === undefined ? step.what : `${step.what}: ${count(step.rows)} rows`)}`);
    },
    taskEnded: (t) => {
      if (live) stream.write("\r\x1b[K");
      stream.write(`${taskLine(t)}\n`);
    },
    retrying: (name, error, attempt, delayMs) => {
      if (live) stream.write("\r\x1b[K");
      stream.write(`${kleur.yellow("!")} ${name}: attempt ${attempt} failed (${error}); retrying in ${seconds(delayMs)}\n`);
    },
    warn: (message) => stream.write(`${kleur.yellow("warning:")} ${message}\n`),
  };
}
