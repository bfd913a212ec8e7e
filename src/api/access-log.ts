/**
 * The access log's lines, written together: one write per turn of the event loop rather than
 * one per request, which under load is a system call per answer saved. Lines keep their order
 * and are out by the next turn; `flush` writes what is left (before exiting).
 */
export function bufferedLines(write: (text: string) => void): { log: (line: string) => void; flush: () => void } {
  let pending: string[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    const text = `${pending.join("\n")}\n`;
    pending = [];
    write(text);
  };
  return {
    log: (line) => {
      if (pending.push(line) === 1) setImmediate(flush);
    },
    flush,
  };
}
