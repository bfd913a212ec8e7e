/** The layers a run can hold, in pipeline order: apart from the flows, so a command can name them cheaply. */
export const LAYERS = ["bronze", "silver", "gold", "export"] as const;
export type Layer = (typeof LAYERS)[number];
