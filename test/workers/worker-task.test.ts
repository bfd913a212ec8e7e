import { expect, test } from "bun:test";
import { EltError } from "../../src/core/errors.ts";
import { WorkerTask } from "../../src/workers/worker-task.ts";

// Paths are under src/, as the workers of the pipeline are named.
const fixture = (name: string) => `../test/workers/fixtures/${name}.ts`;

test("the worker's answer to its task", async () => {
  const task = new WorkerTask<{ n: number }>(fixture("echo"), "the echo worker");
  task.post({ n: 21 });
  expect(await task.answer).toEqual({ n: 42 });
  await task.stop();
});

test("a worker that ends without answering: an EltError naming it", async () => {
  const task = new WorkerTask<unknown>(fixture("silent"), "the silent worker");
  task.post({});
  const error = await task.answer.catch((err: unknown) => err);
  expect(error).toBeInstanceOf(EltError);
  expect((error as Error).message).toBe("the silent worker stopped before it answered");
});

test("a worker that cannot load: an EltError naming it and the cause", async () => {
  const task = new WorkerTask<unknown>(fixture("broken"), "the broken worker");
  const error = await task.answer.catch((err: unknown) => err);
  expect(error).toBeInstanceOf(EltError);
  expect((error as Error).message).toStartWith("the broken worker failed: ");
  expect((error as Error).message).toContain("broken on load");
  await task.stop();
});

test("stopped before it answered: stop() returns once the worker has closed, and the answer rejects", async () => {
  const task = new WorkerTask<unknown>(fixture("idle"), "the idle worker");
  task.post({});
  const started = performance.now();
  await task.stop();
  expect(performance.now() - started).toBeLessThan(2000); // the close came, not the bound on the wait
  expect(await task.answer.catch((err: unknown) => (err as Error).message)).toBe("the idle worker stopped before it answered");
});
