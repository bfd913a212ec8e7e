import { readFileSync } from "node:fs";
import os from "node:os";

/** What the figures were measured on: they mean little without it. */
export interface Machine {
  host: string;
  cpus: number;
  cpuModel: string;
  memoryBytes: number;
  os: string;
  bun: string;
  /** 1, 5 and 15 minute load averages when the bench started: a busy box explains slow figures. */
  loadAverage: number[];
}

function cpuModel(): string {
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8")
      .split("\n")
      .find((l) => l.startsWith("model name"));
    if (line) return line.slice(line.indexOf(":") + 1).trim();
  } catch {
    // not Linux: the runtime's view below
  }
  return os.cpus()[0]?.model ?? "unknown";
}

export function describeMachine(): Machine {
  return {
    host: os.hostname(),
    cpus: os.availableParallelism(),
    cpuModel: cpuModel(),
    memoryBytes: os.totalmem(),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    bun: Bun.version,
    loadAverage: os.loadavg().map((n) => Math.round(n * 100) / 100),
  };
}
