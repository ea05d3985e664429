import * as core from '@kt/core';
import { ConfigError } from '@kt/core';
import { chooseBackend } from '../src/backend-choice';

// The precedence itself is tested in core (packages/core/test/backend/backend-choice.spec.ts).
describe('the CLI chooses its backend with core', () => {
  it('uses core chooseBackend, the one place that decides (no copy in the CLI)', () => {
    expect(chooseBackend).toBe(core.chooseBackend);
  });
  it('an unknown KT_BACKEND is a ConfigError (exit 2) listing the valid ones', () => {
    expect(() => chooseBackend(undefined, { KT_BACKEND: 'gpu' })).toThrow(ConfigError);
    expect(() => chooseBackend(undefined, { KT_BACKEND: 'gpu' })).toThrow(/auto, tensorflow, wasm, cpu/);
  });
});
