/**
 * nb_clients of every group (day, week, month, product) without a Set per group: rows are
 * visited client by client, and each client's rows mark the groups they touch once,
 * remembering in a stamp per group which client counted it last. Memory is two integers per
 * group, and one index per row only when the rows must first be bucketed by client.
 */

/** How rows fall into groups: group = groupOfKey[rowKeys[row]], or rowKeys[row] itself. */
export interface Grouping {
  rowKeys: ArrayLike<number>;
  groupOfKey?: ArrayLike<number>;
  groups: number;
}

/**
 * Distinct clients per group, one array per grouping. `rowClient` holds dense client numbers;
 * `grouped` says every client's rows already come together (silver keeps the source's order,
 * which often lists a client's purchases in a run), which spares the bucketing.
 */
export function distinctClients(
  rowClient: ArrayLike<number>,
  rows: number,
  clients: number,
  groupings: readonly Grouping[],
  grouped: boolean,
): Uint32Array[] {
  const order = grouped ? null : byClient(rowClient, rows, clients);
  return groupings.map(({ rowKeys, groupOfKey, groups }) => {
    const counts = new Uint32Array(groups);
    const stamp = new Uint32Array(groups); // client number + 1, so 0 means "no client yet"
    for (let i = 0; i < rows; i++) {
      const r = order ? order[i]! : i;
      const mark = rowClient[r]! + 1;
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

/** Row numbers bucketed by client with a counting sort (linear). */
function byClient(rowClient: ArrayLike<number>, rows: number, clients: number): Uint32Array {
  const next = new Uint32Array(clients + 1);
  for (let r = 0; r < rows; r++) next[rowClient[r]! + 1]!++;
  for (let c = 0; c < clients; c++) next[c + 1]! += next[c]!;
  const order = new Uint32Array(rows);
  for (let r = 0; r < rows; r++) order[next[rowClient[r]!]!++] = r;
  return order;
}
