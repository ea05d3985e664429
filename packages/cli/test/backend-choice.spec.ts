import { ConfigError } from '@kt/core';
import { chooseBackend } from '../src/backend-choice';

describe('chooseBackend (default < config < env KT_BACKEND < flag)', () => {
  it('uses auto when nothing is set', () => {
    expect(chooseBackend(undefined, {})).toEqual({ requested: 'auto', source: 'default' });
  });
  it('prefers the config to the default', () => {
    expect(chooseBackend(undefined, {}, 'wasm')).toEqual({ requested: 'wasm', source: 'config' });
  });
  it('prefers KT_BACKEND to the config', () => {
    expect(chooseBackend(undefined, { KT_BACKEND: 'CPU' }, 'wasm')).toEqual({ requested: 'cpu', source: 'env' });
    expect(chooseBackend(undefined, { KT_BACKEND: '  ' }, 'wasm')).toEqual({ requested: 'wasm', source: 'config' });
  });
  it('prefers the flag to everything', () => {
    expect(chooseBackend('tensorflow', { KT_BACKEND: 'cpu' }, 'wasm')).toEqual({ requested: 'tensorflow', source: 'flag' });
  });
  it('rejects an unknown KT_BACKEND with a ConfigError listing the valid ones', () => {
    expect(() => chooseBackend(undefined, { KT_BACKEND: 'gpu' })).toThrow(ConfigError);
    expect(() => chooseBackend(undefined, { KT_BACKEND: 'gpu' })).toThrow(/auto, tensorflow, wasm, cpu/);
  });
});
