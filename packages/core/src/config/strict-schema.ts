import type { z } from 'zod';

/**
 * The zod 4 definition fields this walker reads. zod's own `$ZodTypeDef` union is exact but not
 * navigable generically (each node kind names its children differently), so it is read through this view.
 */
interface DefView {
  type: string;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  innerType?: z.ZodType;
  element?: z.ZodType;
  options?: readonly z.ZodType[];
  discriminator?: string;
  in?: z.ZodType;
  out?: z.ZodType;
  keyType?: z.ZodType;
  valueType?: z.ZodType;
  items?: readonly z.ZodType[];
  rest?: z.ZodType | null;
  left?: z.ZodType;
  right?: z.ZodType;
  getter?: () => z.ZodType;
}

function defOf(schema: z.ZodType): DefView {
  return (schema as unknown as { _zod: { def: DefView } })._zod.def;
}

/** Label of option `i` of a union: `kind=mlp` for a discriminated union whose option fixes the key, else its index. */
function optionLabel(option: z.ZodType, i: number, discriminator: string | undefined): string {
  if (discriminator !== undefined) {
    const field = defOf(option).shape?.[discriminator];
    const values = field === undefined ? undefined : (field as unknown as { _zod: { values?: Set<unknown> } })._zod.values;
    if (values !== undefined && values.size > 0) return `${discriminator}=${[...values].map(String).join('|')}`;
  }
  return `option ${i + 1}`;
}

/**
 * Paths of every object schema inside `schema` that is not strict (one that accepts unknown keys — a
 * plain `z.object`, `z.looseObject` or `.catchall(…)` — so a misspelt config key is silently dropped
 * instead of being an error). Walks objects, unions and discriminated unions, defaults, optionals and
 * the other wrappers, arrays, tuples, records, maps, sets, intersections, pipes (transforms,
 * preprocess) and lazy schemas (each lazy target once). Refinements live on their object, so a refined
 * object is checked like any other. Paths read like `learner.model(kind=mlp)` or `items[]`; the root is `(root)`.
 */
export function findNonStrictObjects(schema: z.ZodType): string[] {
  const found: string[] = [];
  const onPath = new Set<z.ZodType>(); // the nodes from the root to here: a cycle (through lazy) stops there
  const join = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);

  const walk = (node: z.ZodType | null | undefined, path: string): void => {
    if (node === undefined || node === null || onPath.has(node)) return;
    onPath.add(node);
    try {
      visit(defOf(node), path);
    } finally {
      onPath.delete(node);
    }
  };

  const visit = (def: DefView, path: string): void => {
    switch (def.type) {
      case 'object': {
        if (def.catchall === undefined || defOf(def.catchall).type !== 'never') found.push(path === '' ? '(root)' : path);
        for (const [key, child] of Object.entries(def.shape ?? {})) walk(child, join(path, key));
        return;
      }
      case 'union':
        (def.options ?? []).forEach((option, i) => walk(option, `${path}(${optionLabel(option, i, def.discriminator)})`));
        return;
      case 'array':
        walk(def.element, `${path}[]`);
        return;
      case 'set':
        walk(def.valueType, `${path}[]`);
        return;
      case 'tuple':
        (def.items ?? []).forEach((item, i) => walk(item, `${path}[${i}]`));
        walk(def.rest, `${path}[]`);
        return;
      case 'record':
      case 'map':
        walk(def.keyType, `${path}{key}`);
        walk(def.valueType, `${path}{}`);
        return;
      case 'intersection':
        walk(def.left, path);
        walk(def.right, path);
        return;
      case 'pipe':
        walk(def.in, path);
        walk(def.out, path);
        return;
      case 'lazy':
        if (def.getter !== undefined) walk(def.getter(), path);
        return;
      default:
        // default, prefault, optional, nullable, nonoptional, readonly, catch, success, promise: one inner type
        walk(def.innerType, path);
    }
  };
  walk(schema, '');
  return found;
}
