#!/usr/bin/env bun
import { cac } from "cac";
import pkg from "../package.json" with { type: "json" };
import { EltError, errorLine } from "./core/errors.ts";
import { loadConfig, secretsOf, secretsOfEnv } from "./config/environment.ts";
import { redact } from "./core/redact.ts";
import { defaultOf, flags, type Command } from "./commands/command.ts";
import { COMMANDS } from "./commands/index.ts";
import { kebab } from "./commands/options.ts";
import { didYouMean } from "./ui/suggest.ts";

/** The command line, built from each command's declaration (commands/command.ts). */
const cli = cac("elt");

/** Each command's options that take a value, as typed (`--limit`): see `negativeValues`. */
const valueOptions = new Map<string, Set<string>>();

function register(command: Command): void {
  const line = cli.command(command.usage, command.description);
  const args = line.args.map((a) => a.value);
  const takesValue = new Set<string>();
  valueOptions.set(line.name, takesValue);
  for (const [key, field] of Object.entries(command.options.shape)) {
    const f = flags.get(field);
    if (!f || args.includes(key)) continue;
    const fallback = defaultOf(field);
    // A switch that is on unless turned off is spelt --no-NAME.
    const name = !f.value && fallback === true ? `no-${kebab(key)}` : kebab(key);
    if (f.value) takesValue.add(`--${name}`);
    line.option(`--${name}${f.value ? ` ${f.value}` : ""}`, f.value && fallback !== undefined ? `${f.help} (default: ${fallback})` : f.help);
    // Defaults are zod's, applied when the options are parsed; cac would print its own for --no-NAME.
    line.options.at(-1)!.config.default = undefined;
  }
  for (const example of command.examples ?? []) line.example(example);
  line.action(async (...values: unknown[]) => {
    const options = values.pop() as Record<string, unknown>;
    args.forEach((arg, i) => (options[arg] = values[i]));
    return command.run(options);
  });
}

for (const command of COMMANDS) register(command);

cli.help();

/** cac's "Unknown option `--forse`" gets the closest option of the command typed. */
function unknownOptionHint(message: string): string {
  const typed = /Unknown option `(--?[^`]+)`/.exec(message)?.[1];
  const command = cli.matchedCommand;
  if (!typed || !command) return "";
  const known = command.options.flatMap((o) => o.names.map((n) => (n.length === 1 ? `-${n}` : `--${kebab(n)}`)));
  return didYouMean(typed, [...known, "--help"]);
}

/**
 * cac's parser reads `--limit -1` as `--limit` without its value and an unknown option `-1`:
 * a negative number after an option that takes a value is given to it, so the option's own
 * check says what is allowed.
 */
function negativeValues(argv: string[]): string[] {
  const command = argv.slice(2).find((a) => !a.startsWith("-"));
  const takesValue = valueOptions.get(command ?? "");
  if (!takesValue) return argv;
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const [arg, next] = [argv[i]!, argv[i + 1]];
    if (!takesValue.has(arg) || next === undefined || !/^-\d/.test(next)) {
      out.push(arg);
      continue;
    }
    out.push(`${arg}=${next}`);
    i++;
  }
  return out;
}

/** cac's "Unused args: `b`" in words: which arguments are extra, and what the command takes. */
function unusedArgs(command: NonNullable<typeof cli.matchedCommand>): string {
  const extra = cli.args.slice(command.args.length).map((a) => `"${a}"`);
  const takes = command.args.length ? `takes only ${command.args.map((a) => `[${a.value}]`).join(" ")}` : "takes no arguments";
  return `${command.name}: unexpected argument${extra.length > 1 ? "s" : ""} ${extra.join(", ")}: elt ${command.name} ${takes}`;
}

/** A command line cac refused, as one line: what is wrong and where to look. */
function usageLine(message: string): string {
  const command = cli.matchedCommand;
  if (!command) return `${message} (see elt --help)`;
  const said = message.startsWith("Unused args") ? unusedArgs(command) : message;
  const hint = unknownOptionHint(message);
  return `${said}${hint || ` (see elt ${command.name} --help)`}`;
}

function fail(err: unknown): number {
  let secrets: string[];
  try {
    secrets = secretsOf(loadConfig());
  } catch {
    // The configuration failed too (ELT_HOME a file, say): its secrets are read one by one.
    secrets = secretsOfEnv();
  }
  const usage = err instanceof Error && err.name === "CACError";
  const message = redact(usage ? usageLine(errorLine(err)) : errorLine(err), secrets);
  process.stderr.write(`elt: ${message}\n`);
  if (process.env.ELT_DEBUG && err instanceof Error && err.stack) process.stderr.write(redact(err.stack, secrets) + "\n");
  return err instanceof EltError ? err.exitCode : usage ? 2 : 1;
}

async function main(argv: string[]): Promise<number> {
  // Which elt this is, and the Bun it runs on, labelled: cac's own line names Bun's Node version.
  if (argv.length === 3 && (argv[2] === "--version" || argv[2] === "-v")) {
    process.stdout.write(`elt ${pkg.version} (Bun ${Bun.version})\n`);
    return 0;
  }
  try {
    const parsed = cli.parse(negativeValues(argv), { run: false });
    if (!cli.matchedCommand) {
      if (parsed.options.help || parsed.options.version) return 0;
      const name = parsed.args[0];
      const hint = name ? didYouMean(name, COMMANDS.map((c) => c.usage.split(" ")[0]!)) : "";
      process.stderr.write(name ? `elt: unknown command "${name}"${hint || " (see elt --help)"}\n` : "elt: name a command (see elt --help)\n");
      return 2;
    }
    if (parsed.options.help) return 0;
    return ((await cli.runMatchedCommand()) as number | undefined) ?? 0;
  } catch (err) {
    return fail(err);
  }
}

process.exit(await main(process.argv));
