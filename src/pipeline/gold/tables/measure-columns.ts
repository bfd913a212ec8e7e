import type { Cell } from "../../../contract/columns.ts";
import type { GroupTotals } from "../state/gold-state.ts";

/** SPEC: a division by zero gives null. */
export const ratio = (a: number, b: number): number | null => (b === 0 ? null : a / b);

export function percentOf(part: number, whole: number): number | null {
  return whole === 0 ? null : (part / whole) * 100;
}

/** ca_total, panier_moyen, nb_achats, nb_clients of the groups, in the given order: the columns every aggregate and ranking ends with. */
export function measureColumns(groups: GroupTotals<unknown>, order: readonly number[]): Cell[][] {
  const { ca, count } = groups.measures;
  return [
    order.map((g) => ca[g]!),
    order.map((g) => ratio(ca[g]!, count[g]!)),
    order.map((g) => count[g]!),
    order.map((g) => groups.clients[g]!),
  ];
}
