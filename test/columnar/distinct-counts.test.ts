import { expect, test } from "bun:test";
import fc from "fast-check";
import { distinctCounts } from "../../src/columnar/distinct-counts.ts";

/** Distinct members per group with a Set each: what distinctCounts must agree with. */
function bySets(rowMember: number[], rowKey: number[], groupOfKey: number[] | undefined, groups: number): number[] {
  const sets = Array.from({ length: groups }, () => new Set<number>());
  rowMember.forEach((m, r) => sets[groupOfKey ? groupOfKey[rowKey[r]!]! : rowKey[r]!]!.add(m));
  return sets.map((s) => s.size);
}

test("distinct members per group, direct and through a key's group, as Sets count them", () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(20), fc.nat(9)), { maxLength: 300 }), fc.array(fc.nat(3), { minLength: 10, maxLength: 10 }), (rows, groupOfKey) => {
      const members = rows.map(([m]) => m);
      const keys = rows.map(([, k]) => k);
      const [direct, grouped] = distinctCounts(members, rows.length, 21, [
        { rowKeys: keys, groups: 10 },
        { rowKeys: keys, groupOfKey, groups: 4 },
      ], false);
      expect(Array.from(direct!)).toEqual(bySets(members, keys, undefined, 10));
      expect(Array.from(grouped!)).toEqual(bySets(members, keys, groupOfKey, 4));
    }),
  );
});

test("rows already in runs per member need no bucketing, and give the same counts", () => {
  const members = [0, 0, 0, 1, 1, 2, 3, 3];
  const keys = [0, 1, 0, 1, 1, 0, 2, 2];
  const grouping = [{ rowKeys: keys, groups: 3 }];
  expect(Array.from(distinctCounts(members, 8, 4, grouping, true)[0]!)).toEqual([2, 2, 1]);
  expect(Array.from(distinctCounts(members, 8, 4, grouping, false)[0]!)).toEqual([2, 2, 1]);
  // Runs claimed where there are none count a member once per run: why the caller must know.
  expect(Array.from(distinctCounts([0, 1, 0], 3, 2, [{ rowKeys: [0, 0, 0], groups: 1 }], true)[0]!)).toEqual([3]);
  expect(Array.from(distinctCounts([0, 1, 0], 3, 2, [{ rowKeys: [0, 0, 0], groups: 1 }], false)[0]!)).toEqual([2]);
});
