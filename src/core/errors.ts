/**
 * Every failure a user can meet is one of these: a one-line message they can act on and the
 * exit code the CLI returns (0 ok, 1 run failed, 2 usage or configuration error).
 */
export class EltError extends Error {
  readonly exitCode: 1 | 2;
  constructor(message: string, exitCode: 1 | 2 = 1, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** A bad command line: unknown command or option, invalid option value. */
export class UsageError extends EltError {
  constructor(message: string) {
    super(message, 2);
  }
}

/** A bad environment or .env value, or a backend that cannot be configured. */
export class ConfigError extends EltError {
  constructor(message: string) {
    super(message, 2);
  }
}

/** Input data that cannot be processed: missing file, wrong header, invalid bytes. */
export class InputError extends EltError {
  constructor(
    message: string,
    readonly file: string,
    readonly line?: number,
    readonly field?: string,
  ) {
    super(message, 1);
  }
}

export type StoreErrorKind = "not_found" | "unreachable" | "access_denied" | "failed";

/** An object-store or serving-store failure, typed so callers can decide to retry or report. */
export class StoreError extends EltError {
  constructor(
    readonly kind: StoreErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, 1, options);
  }
  /** Worth another attempt: the store may come back; a missing key or a refused key will not. */
  get transient(): boolean {
    return this.kind === "unreachable" || this.kind === "failed";
  }
}

export function isNotFound(err: unknown): boolean {
  return err instanceof StoreError && err.kind === "not_found";
}

/** The one line shown to a user for any thrown value. */
export function errorLine(err: unknown): string {
  if (err instanceof Error) return err.message.split("\n")[0] ?? String(err);
  return String(err);
}
