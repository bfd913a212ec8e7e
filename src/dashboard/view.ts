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
  /** How many periods the chart is moved back from the most recent one (0: it ends with the latest). */
  pan?: number;
}

/** How far ←/→ can move the chart: half the periods it shows at a time, and no further back than the first. */
export interface PanRange {
  page: number;
  max: number;
}

export type Action = { kind: "quit" } | { kind: "refresh" } | { kind: "view"; state: ViewState } | { kind: "none" };

const GRANULARITY_KEYS: Record<string, Granularity> = { d: "day", w: "week", m: "month" };

// Tab moves to the next view, shift-Tab back; the arrows (normal and application cursor mode) move the chart.
const NEXT = ["\t"];
const PREVIOUS = ["\x1b[Z"];
const OLDER = ["\x1b[D", "\x1bOD"];
const NEWER = ["\x1b[C", "\x1bOC"];

/** One key (as `splitKeys` yields it) applied to the current state. */
export function onKey(key: string, state: ViewState, pan: PanRange = { page: 30, max: Infinity }): Action {
  if (key === "q" || key === "Q" || key === "\x03") return { kind: "quit" };
  if (key === "r" || key === "R") return { kind: "refresh" };
  const granularity = GRANULARITY_KEYS[key.toLowerCase()];
  // Another granularity is another series: it starts at its latest period.
  if (granularity) return { kind: "view", state: { ...state, granularity, pan: 0 } };
  const move = OLDER.includes(key) ? 1 : NEWER.includes(key) ? -1 : 0;
  if (move !== 0) {
    const next = Math.max(0, Math.min(pan.max, (state.pan ?? 0) + move * Math.max(1, Math.floor(pan.page / 2))));
    return next === (state.pan ?? 0) ? { kind: "none" } : { kind: "view", state: { ...state, pan: next } };
  }
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
