import type { Value } from './interpreter';
import { showType, tbool, tint, tlist, tstr, type Type, type TypeContext } from './types';

/** A JSON value that is not a value of the language (a fraction, an object, null, mixed lists, …). */
export class ValueTypeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValueTypeError';
  }
}

/**
 * The type of a JSON value: integers are `int`, booleans `bool`, strings `str`, arrays `list(t)` with every
 * element unified to t (an empty array gets a fresh variable from `ctx`). Throws ValueTypeError naming `where`.
 */
export function jsonType(json: unknown, ctx: TypeContext, where: string): Type {
  if (typeof json === 'number') {
    if (!Number.isSafeInteger(json)) throw new ValueTypeError(`${where}: ${json} is not an integer (the language has ints only)`);
    return tint;
  }
  if (typeof json === 'boolean') return tbool;
  if (typeof json === 'string') return tstr;
  if (Array.isArray(json)) {
    const elem = ctx.fresh();
    json.forEach((x, i) => {
      const t = jsonType(x, ctx, `${where}[${i}]`);
      if (!ctx.unify(elem, t)) throw new ValueTypeError(`${where}[${i}]: has type ${showType(ctx.apply(t))} but earlier elements are ${showType(ctx.apply(elem))}`);
    });
    return tlist(elem);
  }
  throw new ValueTypeError(`${where}: ${json === null ? 'null' : typeof json} is not a value of the language (int, bool, string or list)`);
}

/** The runtime value of a JSON value (strings become lists of one-character strings). */
export function valueFromJson(json: unknown): Value {
  if (typeof json === 'string') return Array.from(json);
  if (Array.isArray(json)) return json.map(valueFromJson);
  if (typeof json === 'number' || typeof json === 'boolean') return json;
  throw new ValueTypeError(`${json === null ? 'null' : typeof json} is not a value of the language`);
}

/** A value back as JSON, given its type (`str` joins into a string; a lone `char` prints as a string). */
export function valueToJson(v: Value, t: Type): unknown {
  if (t.kind === 'con' && t.name === 'list') {
    const elem = t.args[0]!;
    if (elem.kind === 'con' && elem.name === 'char') return (v as string[]).join('');
    return (v as Value[]).map((x) => valueToJson(x, elem));
  }
  if (typeof v === 'function') return '<function>';
  return v;
}

/** A value as text for people: strings quoted, lists bracketed. */
export function showValue(v: Value, t: Type): string {
  return JSON.stringify(valueToJson(v, t));
}
