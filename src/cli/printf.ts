/**
 * The part of C's printf that Apple's lsmp and hostinfo use (%d %u %x %s %f
 * with flags, width, precision and length modifiers), so their listings are
 * reproduced from their format strings column for column.
 */
const SPEC = /%([-0 +#]*)(\d+)?(?:\.(\d*))?(hh|h|ll|l|z|j)?([diuxXsfc%])/g;

export type PrintfArg = number | bigint | string;

function integer(v: PrintfArg, conv: string, length: string | undefined): bigint {
  let n = typeof v === "bigint" ? v : BigInt(Math.trunc(Number(v)));
  const bits = length === "ll" || length === "l" || length === "z" || length === "j" ? 64 : 32;
  // C reinterprets the argument at the conversion's width: %d signed, %u/%x unsigned.
  n = conv === "d" || conv === "i" ? BigInt.asIntN(bits, n) : BigInt.asUintN(bits, n);
  return n;
}

export function sprintf(format: string, ...args: PrintfArg[]): string {
  let i = 0;
  return format.replace(SPEC, (_m, flags: string, width: string | undefined, precision: string | undefined, length: string | undefined, conv: string) => {
    if (conv === "%") return "%";
    const arg = args[i++];
    if (arg === undefined) throw new Error(`sprintf: too few arguments for ${JSON.stringify(format)}`);
    const w = width ? Number(width) : 0;
    const left = flags.includes("-");
    let body: string;
    let zeroPad = flags.includes("0") && !left;
    if (conv === "s") {
      body = String(arg);
      if (precision !== undefined) body = body.slice(0, Number(precision || "0"));
      zeroPad = false;
    } else if (conv === "c") {
      body = typeof arg === "string" ? arg.slice(0, 1) : String.fromCharCode(Number(arg));
      zeroPad = false;
    } else if (conv === "f") {
      body = Number(arg).toFixed(precision === undefined ? 6 : Number(precision || "0"));
    } else {
      const n = integer(arg, conv, length);
      const neg = n < 0n;
      let digits = (neg ? -n : n).toString(conv === "d" || conv === "i" || conv === "u" ? 10 : 16);
      if (conv === "X") digits = digits.toUpperCase();
      if (precision !== undefined) {
        // An explicit precision sets the minimum digits, and %.0d prints nothing for 0; it also turns off 0-padding.
        const p = Number(precision || "0");
        if (p === 0 && n === 0n) digits = "";
        else digits = digits.padStart(p, "0");
        zeroPad = false;
      }
      const sign = neg ? "-" : flags.includes("+") ? "+" : flags.includes(" ") ? " " : "";
      body = zeroPad ? sign + digits.padStart(w - sign.length, "0") : sign + digits;
    }
    if (body.length >= w) return body;
    return left ? body.padEnd(w) : body.padStart(w, zeroPad ? "0" : " ");
  });
}
