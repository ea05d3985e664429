/*
 * Small helpers that reproduce Python string semantics sacreBLEU relies on, so scores match it exactly.
 */

/** Python's str.split()/strip() whitespace set (differs from JS `\s`: adds \x1c-\x1f and \x85, lacks \uFEFF). */
const PY_WS_CLASS = '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PY_WS_RUN = new RegExp(`[${PY_WS_CLASS}]+`);
const PY_WS_RUN_GLOBAL = new RegExp(`[${PY_WS_CLASS}]+`, 'g');
const PY_WS_TRAILING = new RegExp(`[${PY_WS_CLASS}]+$`);
const PY_WS_LEADING = new RegExp(`^[${PY_WS_CLASS}]+`);

/** Python `s.split()`. */
export function pySplit(s: string): string[] {
  return s.split(PY_WS_RUN).filter((t) => t !== '');
}

/** Python `s.rstrip()`. */
export function pyRstrip(s: string): string {
  return s.replace(PY_WS_TRAILING, '');
}

/** Python `s.strip()`. */
export function pyStrip(s: string): string {
  return s.replace(PY_WS_TRAILING, '').replace(PY_WS_LEADING, '');
}

/** Python `''.join(s.split())`: removes all whitespace. */
export function pyRemoveWhitespace(s: string): string {
  return s.replace(PY_WS_RUN_GLOBAL, '');
}

/**
 * Python's `f'{x:.{digits}f}'`: like `toFixed`, but an exact tie (the double lies exactly halfway) rounds to
 * even, as Python does, instead of away from zero.
 */
export function formatFixed(x: number, digits: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  const plain = Math.abs(x) < 1e21 ? x.toFixed(digits) : String(x);
  const tie = exactTieQuotient(Math.abs(x), digits);
  if (tie === undefined) return plain;
  const q = tie % 2n === 0n ? tie : tie + 1n; // round half to even
  let s = q.toString().padStart(digits + 1, '0');
  if (digits > 0) s = `${s.slice(0, -digits)}.${s.slice(-digits)}`;
  return (x < 0 || Object.is(x, -0) ? '-' : '') + s;
}

/** When |x| * 10^digits is exactly k + 1/2, returns k; otherwise undefined. */
function exactTieQuotient(x: number, digits: number): bigint | undefined {
  if (x === 0) return undefined;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const exponentBits = Number((bits >> 52n) & 0x7ffn);
  let mantissa = bits & ((1n << 52n) - 1n);
  let exponent: number;
  if (exponentBits === 0) {
    exponent = -1074;
  } else {
    mantissa |= 1n << 52n;
    exponent = exponentBits - 1075;
  }
  if (exponent >= 0) return undefined; // an integer: never a tie
  const numerator = mantissa * 10n ** BigInt(digits);
  const denominator = 1n << BigInt(-exponent);
  const remainder = numerator % denominator;
  return remainder * 2n === denominator ? numerator / denominator : undefined;
}
