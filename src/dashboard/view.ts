/** What the user chose to look at, and how a key press changes it. */

export const VIEWS = ["overview", "sales", "breakdown", "pipeline"] as const;
export type View = (typeof VIEWS)[number];

export const GRANULARITIES = ["day", "week", "month"] as const;
export type Granularity = (typeof GRANULARITIES)[number];

export interface ViewState {
  view: View;
  granularity: Granularity;
  /** The instant ages are measured from (ms since the epoch): the frame stays a pure function. */
  now: number;
  /** Auto-refresh period, shown in the footer. */
  refreshSeconds?: number;
  /** A load is in flight. */
  loading?: boolean;
}

export type Action = { kind: "quit" } | { kind: "refresh" } | { kind: "view"; state: ViewState } | { kind: "none" };

const GRANULARITY_KEYS: Record<string, Granularity> = { d: "day", w: "week", m: "month" };

// Tab and right arrow (normal and application cursor mode) move on; shift-Tab and left arrow back.
const NEXT = ["\t", "\x1b[C", "\x1bOC"];
const PREVIOUS = ["\x1b[Z", "\x1b[D", "\x1bOD"];

/** One key (as `splitKeys` yields it) applied to the current state. */
export function onKey(key: string, state: ViewState): Action {
  if (key === "q" || key === "Q" || key === "\x03") return { kind: "quit" };
  if (key === "r" || key === "R") return { kind: "refresh" };
  const granularity = GRANULARITY_KEYS[key.toLowerCase()];
  if (granularity) return { kind: "view", state: { ...state, granularity } };
  const index = VIEWS.indexOf(state.view);
  const digit = Number(key);
  if (key.length === 1 && digit >= 1 && digit <= VIEWS.length) return { kind: "view", state: { ...state, view: VIEWS[digit - 1]! } };
  const step = NEXT.includes(key) ? 1 : PREVIOUS.includes(key) ? -1 : 0;
  if (step === 0) return { kind: "none" };
  return { kind: "view", state: { ...state, view: VIEWS[(index + step + VIEWS.length) % VIEWS.length]! } };
}

/** A chunk read from a raw-mode terminal as keys: escape sequences whole, anything else one character each. */
export function splitKeys(chunk: string): string[] {
  const keys: string[] = [];
  let i = 0;
  while (i < chunk.length) {
    if (chunk[i] === "\x1b" && (chunk[i + 1] === "[" || chunk[i + 1] === "O") && i + 2 < chunk.length) {
      let end = i + 2;
      // CSI parameters are digits and semicolons; the sequence ends at its final letter or ~.
      while (end < chunk.length - 1 && /[0-9;]/.test(chunk[end]!)) end++;
      keys.push(chunk.slice(i, end + 1));
      i = end + 1;
    } else {
      keys.push(chunk[i]!);
      i++;
    }
  }
  return keys;
}
