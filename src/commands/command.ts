import { z } from "zod";

/**
 * What a command declares, once: its usage, its options as one zod object (validation,
 * defaults, and through `flag` its --help lines), its examples and what runs it. cli.ts builds
 * the command line from these, so --help, defaults and validation cannot drift apart. A
 * declaration must be cheap to import: what a command needs to run is imported when it runs.
 */
export interface Command<S extends z.ZodObject = z.ZodObject> {
  /** As cac spells it, e.g. "logs <run>": each argument fills the option of its name. */
  usage: string;
  description: string;
  options: S;
  examples?: string[];
  /** Validates the options (a UsageError names the bad one) and answers the exit code. */
  run(options: z.input<S>): Promise<number>;
}

export const defineCommand = <S extends z.ZodObject>(command: Command<S>): Command<S> => command;

export interface Flag {
  /** Its line in --help; the zod default is added to it. */
  help: string;
  /** The value it takes as cac spells it, "<dir>" (required) or "[n]" (optional); none for a switch. */
  value?: string;
}

/**
 * The fields of a command's options that are on the command line. A field not in it is for
 * callers in code only (generate's `quiet`, used by `elt run --generate`).
 */
export const flags = z.registry<Flag>();

/** Puts an option field on the command line. */
export function flag<T extends z.ZodType>(schema: T, help: string, value?: string): T {
  flags.add(schema, { help, value });
  return schema;
}

/** A field's zod default, which --help shows. */
export const defaultOf = (field: z.ZodType): unknown => (field instanceof z.ZodDefault ? field.def.defaultValue : undefined);
