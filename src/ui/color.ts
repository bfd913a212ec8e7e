import kleur from "kleur";

/**
 * Colour on or off, decided once per command (NO_COLOR, --no-color, a TTY), then passed
 * around as a plain boolean so rendering stays a pure function of its arguments.
 */

export interface ColorChoice {
  /** `false` from --no-color; `undefined` when the flag was not given. */
  flag?: boolean;
  isTTY?: boolean;
  env?: Record<string, string | undefined>;
}

/** no-color.org: NO_COLOR set to anything non-empty turns colour off, as does a dumb or piped terminal. */
export function wantsColor({ flag, isTTY, env = process.env }: ColorChoice): boolean {
  if (flag === false) return false;
  if ((env.NO_COLOR ?? "") !== "") return false;
  return isTTY === true && env.TERM !== "dumb";
}

export type Paint = (text: string) => string;

export interface Palette {
  bold: Paint;
  dim: Paint;
  inverse: Paint;
  red: Paint;
  green: Paint;
  yellow: Paint;
  cyan: Paint;
  magenta: Paint;
}

const NAMES = ["bold", "dim", "inverse", "red", "green", "yellow", "cyan", "magenta"] as const satisfies readonly (keyof Palette)[];

const identity: Paint = (text) => text;

/** kleur's on/off switch is process-wide; a palette asked for colour gets it whatever that switch says. */
const forced =
  (paint: Paint): Paint =>
  (text) => {
    const was = kleur.enabled;
    kleur.enabled = true;
    try {
      return paint(text);
    } finally {
      kleur.enabled = was;
    }
  };

const COLORED = Object.fromEntries(NAMES.map((name) => [name, forced(kleur[name])])) as unknown as Palette;
const PLAIN = Object.fromEntries(NAMES.map((name) => [name, identity])) as unknown as Palette;

export const palette = (color: boolean): Palette => (color ? COLORED : PLAIN);
