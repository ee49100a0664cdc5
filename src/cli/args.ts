/**
 * Argument parsing for every machipc command: node:util parseArgs in strict
 * mode, with its errors turned into one line naming the offending word, and
 * value checks for the options that take numbers.
 */
import { parseArgs } from "node:util";

/** A usage error: the CLI prints its one line and exits 2. */
export class UsageError extends Error {}

export type OptionSpec = { type: "string" | "boolean"; short?: string; multiple?: false };
export type OptionSpecs = Record<string, OptionSpec>;
export type Parsed<O extends OptionSpecs> = {
  values: { [K in keyof O]?: O[K]["type"] extends "string" ? string : boolean };
  positionals: string[];
};

/** Parse `argv` for `command`; at most `maxPositionals` words besides the options. */
export function parse<O extends OptionSpecs>(command: string, argv: string[], options: O, maxPositionals = 0): Parsed<O> {
  let r: { values: Record<string, unknown>; positionals: string[] };
  try {
    r = parseArgs({ args: argv, options, strict: true, allowPositionals: true });
  } catch (e) {
    throw new UsageError(`machipc ${command}: ${describeParseError(e)}`);
  }
  if (r.positionals.length > maxPositionals) {
    const extra = r.positionals.slice(maxPositionals);
    throw new UsageError(`machipc ${command}: unexpected argument${extra.length > 1 ? "s" : ""} ${extra.map((a) => `'${a}'`).join(" ")}`);
  }
  for (const [k, v] of Object.entries(r.values)) {
    if (v === "") throw new UsageError(`machipc ${command}: option --${k} needs a value`);
  }
  return r as Parsed<O>;
}

function describeParseError(e: unknown): string {
  const err = e as { code?: string; message?: string };
  const quoted = /'([^']+)'/.exec(err.message ?? "")?.[1] ?? "";
  const option = quoted.split(" ")[0]!;
  switch (err.code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `unknown option ${option}`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return /does not take an argument/.test(err.message ?? "") ? `option ${option} takes no value` : `option ${option} needs a value`;
    default:
      return err.message?.split("\n")[0] ?? String(e);
  }
}

/** An integer option within [min, max]; undefined when absent. */
export function intOption(command: string, name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`machipc ${command}: --${name} must be an integer from ${min} to ${max}, not '${value}'`);
  }
  return n;
}
