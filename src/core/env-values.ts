/**
 * What every environment variable's schema shares, whichever part of the program owns the
 * variable (src/config.ts, or a serving backend for its own).
 */

/** A variable set to blanks counts as unset, as shells and `.env` files often leave them. */
export const blankToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);
