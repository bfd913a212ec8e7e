import { expect } from "bun:test";
import { StoreError } from "../../src/core/errors.ts";

/** What `promise` rejects with; a promise that resolves fails the test. */
export async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error("expected a rejection");
}

/** The StoreError `promise` rejects with; anything else fails the test. */
export async function caughtStoreError(promise: Promise<unknown>): Promise<StoreError> {
  const err = await caught(promise);
  expect(err).toBeInstanceOf(StoreError);
  return err as StoreError;
}
