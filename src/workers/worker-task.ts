import { EltError, errorLine } from "../core/errors.ts";
import { workerUrl } from "./worker-url.ts";

/**
 * One task on another core: a worker started from its module's path under src/ (worker-url.ts),
 * sent its task, answering with one message; before it, it may send notes (`{ note }`, such
 * as "that batch is in"), handed to `onNote`. Every way a worker can end is settled here once:
 * it cannot load (a bug, not a data error: those come back as messages), it stops without a
 * word, or it is stopped by the caller.
 */
export class WorkerTask<Answer> {
  readonly #worker: Worker;
  readonly #closed: Promise<void>;
  /**
   * The worker's first message that is not a note. Rejects with an EltError naming the worker (`name`, as "gold's
   * worker") when it fails or closes before answering; never an unhandled rejection, even when
   * the caller stops before it awaits the answer.
   */
  readonly answer: Promise<Answer>;

  constructor(path: string, name: string, onNote?: (note: unknown) => void) {
    let worker: Worker;
    try {
      worker = new Worker(workerUrl(path));
    } catch (err) {
      throw new EltError(`${name} failed: ${errorLine(err)}`);
    }
    this.#worker = worker;
    this.#closed = new Promise((resolve) => worker.addEventListener("close", () => resolve(), { once: true }));
    this.answer = new Promise((resolve, reject) => {
      // Settles nothing once it has answered; before, the worker stopped without a word.
      worker.addEventListener("close", () => reject(new EltError(`${name} stopped before it answered`)));
      worker.onmessage = (event: MessageEvent<Answer | { note: unknown }>) => {
        const data = event.data;
        if (onNote && typeof data === "object" && data !== null && "note" in data) onNote(data.note);
        else resolve(data as Answer);
      };
      worker.onerror = (event) => {
        event.preventDefault();
        reject(new EltError(`${name} failed: ${event.message}`));
      };
    });
    this.answer.catch(() => {});
  }

  /** Sends the task; the buffers in `transfer` move to the worker instead of being copied. */
  post(task: unknown, transfer: ArrayBuffer[] = []): void {
    this.#worker.postMessage(task, transfer);
  }

  /** Stops the worker at once, without waiting for it. */
  terminate(): void {
    this.#worker.terminate();
  }

  /** Stops the worker and waits until it has, so nothing it does outlives the call. */
  async stop(): Promise<void> {
    this.#worker.terminate();
    // A bound on the wait: a worker that never says it closed must not hold the caller.
    await Promise.race([this.#closed, Bun.sleep(2000)]);
  }
}
