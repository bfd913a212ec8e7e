/** Bookkeeping shared by the row builders: which defect comes next, and what a duplicate re-sends. */
import type { Rng } from "./rng.ts";

/** Defect codes take turns, so every code shows up as soon as there are as many defects as codes. */
export class Turns<C extends string> {
  private i = 0;
  constructor(private readonly codes: readonly C[]) {}

  next(allowed: (code: C) => boolean): C {
    for (;;) {
      const code = this.codes[this.i++ % this.codes.length]!;
      if (allowed(code)) return code;
    }
  }
}

/** The last few kept rows, for duplicates that re-send a recent record, in constant memory. */
export class Recent<T> {
  private readonly items: T[] = [];
  private next = 0;
  constructor(private readonly size: number) {}

  add(item: T): void {
    this.items[this.next] = item;
    this.next = (this.next + 1) % this.size;
  }

  pick(rng: Rng): T | undefined {
    return this.items.length ? rng.pick(this.items) : undefined;
  }
}

export const zeroCounts = <C extends string>(codes: readonly C[]) =>
  Object.fromEntries(codes.map((c) => [c, 0])) as Record<C, number>;
