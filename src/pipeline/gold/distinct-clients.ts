/**
 * nb_clients of every group (day, week, month, product) without a Set per group: the rows are
 * bucketed by client with a counting sort (linear), then each client's rows mark the groups
 * they touch once, remembering in a stamp per group which client counted it last. Memory is
 * one index per row and two integers per group, whatever the number of distinct pairs.
 */

/** How rows fall into groups: group = groupOfKey[rowKeys[row]], or rowKeys[row] itself. */
export interface Grouping {
  rowKeys: Uint32Array;
  groupOfKey?: ArrayLike<number>;
  groups: number;
}

/** Distinct clients per group, one array per grouping. `rowClient` holds dense client numbers. */
export function distinctClients(
  rowClient: Uint32Array,
  rows: number,
  clients: number,
  groupings: readonly Grouping[],
): Uint32Array[] {
  const start = new Uint32Array(clients + 1);
  for (let r = 0; r < rows; r++) start[rowClient[r]! + 1]!++;
  for (let c = 0; c < clients; c++) start[c + 1]! += start[c]!;
  const next = start.slice(0, clients);
  const byClient = new Uint32Array(rows);
  for (let r = 0; r < rows; r++) byClient[next[rowClient[r]!]!++] = r;

  return groupings.map(({ rowKeys, groupOfKey, groups }) => {
    const counts = new Uint32Array(groups);
    const stamp = new Uint32Array(groups); // client number + 1, so 0 means "no client yet"
    for (let c = 0; c < clients; c++) {
      const mark = c + 1;
      for (let i = start[c]!; i < start[c + 1]!; i++) {
        const key = rowKeys[byClient[i]!]!;
        const group = groupOfKey ? groupOfKey[key]! : key;
        if (stamp[group] !== mark) {
          stamp[group] = mark;
          counts[group]!++;
        }
      }
    }
    return counts;
  });
}
