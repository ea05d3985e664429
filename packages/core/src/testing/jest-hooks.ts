/**
 * jest's lifecycle hooks, reached through the global object: core's library build does not depend on jest's
 * types, and the helpers of `@kt/core/testing` only ever run inside a jest test file, where jest defines them.
 */
type Hook = (fn: () => unknown) => void;

export function jestHook(name: 'beforeAll' | 'afterAll'): Hook {
  const hook = (globalThis as Record<string, unknown>)[name];
  if (typeof hook !== 'function') {
    throw new Error(`@kt/core/testing: ${name} is not defined; call the helper at the top level of a jest test file (or of a describe block)`);
  }
  return hook as Hook;
}
