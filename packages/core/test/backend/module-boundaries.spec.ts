import { spawnSync } from 'child_process';
import * as path from 'path';

/**
 * The core/native boundary is enforced by lint (eslint.config.mjs): core may not import @kt/native
 * (it loads it at run time by name), native's source may import core's types only, and no plugin may
 * import native. Lints probe sources that are never written to disk (ESLint's lintText) with the
 * workspace's own config, in one child process (the flat config is an ES module jest cannot load).
 */
const ROOT = path.resolve(__dirname, '../../../..');

interface Probe {
  file: string;
  code: string;
}

const LINT = `
const { ESLint } = require('eslint');
const path = require('path');
(async () => {
  const probes = JSON.parse(process.argv[1]);
  const eslint = new ESLint({ cwd: process.cwd() });
  const out = [];
  for (const p of probes) {
    const [result] = await eslint.lintText(p.code, { filePath: path.join(process.cwd(), p.file) });
    out.push(result.messages.map((m) => m.ruleId + ': ' + m.message.split('\\n')[0]));
  }
  process.stdout.write(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });
`;

function lint(probes: Probe[]): string[][] {
  const res = spawnSync(process.execPath, ['-e', LINT, JSON.stringify(probes)], {
    cwd: ROOT,
    env: { ...process.env, NX_DAEMON: 'false' },
    encoding: 'utf8',
    timeout: 120000,
  });
  if (res.status !== 0) throw new Error(`eslint probe failed: ${res.stderr}`);
  return JSON.parse(res.stdout) as string[][];
}

describe('module boundaries between core and native', () => {
  const probes: Record<string, Probe> = {
    coreValue: { file: 'packages/core/src/runtime/backend/probe.ts', code: "import { nativeStatus } from '@kt/native';\nexport const f = nativeStatus;\n" },
    coreType: { file: 'packages/core/src/runtime/backend/probe.ts', code: "import type { NativeAddon } from '@kt/native';\nexport type A = NativeAddon;\n" },
    coreRequire: { file: 'packages/core/src/probe.ts', code: "export const m: unknown = require('@kt/native');\n" },
    nativeValue: { file: 'packages/native/src/probe.ts', code: "import { installKernels } from '@kt/core';\nexport const f = installKernels;\n" },
    nativeType: { file: 'packages/native/src/probe.ts', code: "import type { NativeStatus } from '@kt/core';\nexport type S = NativeStatus;\n" },
    nativeTestValue: { file: 'packages/native/test/probe.spec.ts', code: "import { installKernels } from '@kt/core';\nexport const f = installKernels;\n" },
    pluginType: { file: 'packages/mt/src/probe.ts', code: "import type { NativeAddon } from '@kt/native';\nexport type A = NativeAddon;\n" },
  };
  const names = Object.keys(probes);
  let results: Record<string, string[]> = {};

  beforeAll(() => {
    const out = lint(names.map((n) => probes[n]!));
    results = Object.fromEntries(names.map((n, i) => [n, out[i]!]));
  });

  it('core may not import @kt/native, not even its types, and says how to reach it', () => {
    for (const name of ['coreValue', 'coreType']) {
      expect(results[name]).toEqual(
        expect.arrayContaining([expect.stringMatching(/^@typescript-eslint\/no-restricted-imports: .*installNativeKernels/)]),
      );
    }
    expect(results['coreRequire']).toEqual(expect.arrayContaining([expect.stringMatching(/^@nx\/enforce-module-boundaries: /)]));
  });

  it("native's source may import core's types but not its code", () => {
    expect(results['nativeType']).toEqual([]);
    expect(results['nativeValue']).toEqual([
      expect.stringMatching(/^@typescript-eslint\/no-restricted-imports: .*leaf at run time/),
    ]);
  });

  it("native's tests may use core (its kernel layers); a plugin may not import native", () => {
    expect(results['nativeTestValue']).toEqual([]);
    expect(results['pluginType']).toEqual([expect.stringMatching(/^@nx\/enforce-module-boundaries: .*layer:plugin/)]);
  });
});
