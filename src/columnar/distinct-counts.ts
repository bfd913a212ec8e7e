/**
 * How many distinct members (clients, say) the rows of every group hold, without a Set per
 * group: rows are visited member by member, and each member's rows mark the groups they touch
 * once, remembering in a stamp per group which member counted it last. Memory is two integers
 * per group, and one index per row only when the rows must first be bucketed by member.
 */

/** How rows fall into groups: group = groupOfKey[rowKeys[row]], or rowKeys[row] itself. */
export interface Grouping {
  rowKeys: ArrayLike<number>;
  groupOfKey?: ArrayLike<number>;
  groups: number;
}

/**
 * Distinct members per group, one array per grouping. `rowMember` holds dense member numbers
 * below `members`; `grouped` says every member's rows already come together (a source that
 * lists a client's purchases in a run, say), which spares the bucketing.
 */
export function distinctCounts(
  rowMember: ArrayLike<number>,
  rows: number,
  members: number,
  groupings: readonly Grouping[],
  grouped: boolean,
): Uint32Array[] {
  const order = grouped ? null : byMember(rowMember, rows, members);
  return groupings.map(({ rowKeys, groupOfKey, groups }) => {
    const counts = new Uint32Array(groups);
    const stamp = new Uint32Array(groups); // member number + 1, so 0 means "no member yet"
    for (let i = 0; i < rows; i++) {
      const r = order ? order[i]! : i;
      const mark = rowMember[r]! + 1;
      const key = rowKeys[r]!;
      const group = groupOfKey ? groupOfKey[key]! : key;
      if (stamp[group] !== mark) {
        stamp[group] = mark;
        counts[group]!++;
      }
    }
    return counts;
  });
}

/** Row numbers bucketed by member with a counting sort (linear). */
function byMember(rowMember: ArrayLike<number>, rows: number, members: number): Uint32Array {
  const next = new Uint32Array(members + 1);
  for (let r = 0; r < rows; r++) next[rowMember[r]! + 1]!++;
  for (let m = 0; m < members; m++) next[m + 1]! += next[m]!;
  const order = new Uint32Array(rows);
  for (let r = 0; r < rows; r++) order[next[rowMember[r]!]!++] = r;
  return order;
}
