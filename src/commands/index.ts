import type { Command } from "./command.ts";
import { checks } from "./checks.ts";
import { dashboard } from "./dashboard.ts";
import { doctor } from "./doctor.ts";
import { generate } from "./generate.ts";
import { logs } from "./logs.ts";
import { refreshTest } from "./refresh-test.ts";
import { rollback } from "./rollback.ts";
import { run } from "./run.ts";
import { runs } from "./runs.ts";
import { serve } from "./serve.ts";

/** Every command, in the order `elt --help` lists them: a new command is its file and a line here. */
export const COMMANDS: readonly Command[] = [generate, run, serve, dashboard, refreshTest, runs, checks, logs, rollback, doctor];
