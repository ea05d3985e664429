import { ConfigError } from '../../src/runtime/errors';
import { chooseBackend } from '../../src/runtime/backend';

describe('chooseBackend (default < config < env KT_BACKEND < flag)', () => {
  it('uses auto when nothing is set', () => {
    expect(chooseBackend(undefined, {})).toEqual({ requested: 'auto', source: 'default' });
  });
  it('prefers the config to the default', () => {
    expect(chooseBackend(undefined, {}, 'wasm')).toEqual({ requested: 'wasm', source: 'config' });
  });
  it('prefers KT_BACKEND to the config; a blank KT_BACKEND is unset', () => {
    expect(chooseBackend(undefined, { KT_BACKEND: 'CPU' }, 'wasm')).toEqual({ requested: 'cpu', source: 'env' });
    expect(chooseBackend(undefined, { KT_BACKEND: '  ' }, 'wasm')).toEqual({ requested: 'wasm', source: 'config' });
  });
  it('prefers the flag to everything, auto included', () => {
    expect(chooseBackend('tensorflow', { KT_BACKEND: 'cpu' }, 'wasm')).toEqual({ requested: 'tensorflow', source: 'flag' });
    expect(chooseBackend('auto', { KT_BACKEND: 'cpu' }, 'wasm')).toEqual({ requested: 'auto', source: 'flag' });
  });
  it('rejects an unknown KT_BACKEND with a ConfigError naming it and listing the valid ones', () => {
    expect(() => chooseBackend(undefined, { KT_BACKEND: 'gpu' })).toThrow(ConfigError);
    expect(() => chooseBackend(undefined, { KT_BACKEND: 'gpu' })).toThrow(
      "Unknown backend in KT_BACKEND 'gpu'. Valid backends: auto, tensorflow, wasm, cpu",
    );
  });
});
