#!/usr/bin/env node
// Used by binding.gyp at configure time. Prints one word:
//   `node detect-blas.js kind`     -> openblas | cblas | none
//   `node detect-blas.js include`  -> the directory holding cblas.h (or '.')
//   `node detect-blas.js lib`      -> the linker flag (-lopenblas / -lcblas / -lblas) or ''
//   `node detect-blas.js march`    -> the x64 -march target: KT_NATIVE_MARCH or 'native'
//                                     (e.g. KT_NATIVE_MARCH=x86-64-v2 for a binary that runs on any
//                                     SSE4.2 CPU; KT_NATIVE_MARCH=none adds no -march flag)
// KT_NATIVE_BLAS=portable at build time skips the system BLAS entirely.
'use strict';
const fs = require('fs');
const path = require('path');

function firstExisting(paths) {
  return paths.find((p) => fs.existsSync(p));
}

function detect() {
  if (process.env.KT_NATIVE_BLAS === 'portable' || process.platform === 'win32') return { kind: 'none' };
  const multiarch = process.arch === 'x64' ? 'x86_64-linux-gnu' : process.arch === 'arm64' ? 'aarch64-linux-gnu' : '';
  const libDirs = ['/usr/lib', '/usr/local/lib', '/usr/lib64', '/opt/homebrew/opt/openblas/lib', '/usr/local/opt/openblas/lib'];
  if (multiarch) libDirs.unshift(`/usr/lib/${multiarch}`);
  const incDirs = [
    multiarch && `/usr/include/${multiarch}`,
    '/usr/include/openblas',
    '/usr/include',
    '/usr/local/include',
    '/opt/homebrew/opt/openblas/include',
    '/usr/local/opt/openblas/include',
  ].filter(Boolean);
  const header = firstExisting(incDirs.map((d) => path.join(d, 'cblas.h')));
  if (!header) return { kind: 'none' };
  const exts = process.platform === 'darwin' ? ['.dylib'] : ['.so'];
  const has = (name) => libDirs.some((d) => exts.some((e) => fs.existsSync(path.join(d, `lib${name}${e}`))));
  const include = path.dirname(header);
  if (has('openblas')) return { kind: 'openblas', include, lib: '-lopenblas' };
  if (has('cblas')) return { kind: 'cblas', include, lib: '-lcblas' };
  return { kind: 'none' };
}

function march() {
  const want = (process.env.KT_NATIVE_MARCH || 'native').trim();
  if (want === 'none') return '';
  // Only a plain target name reaches the compiler command line.
  return /^[A-Za-z0-9._-]+$/.test(want) ? want : 'native';
}

const what = process.argv[2] || 'kind';
if (what === 'march') {
  process.stdout.write(march());
  process.exit(0);
}
const found = detect();
if (what === 'kind') process.stdout.write(found.kind);
else if (what === 'include') process.stdout.write(found.include || '.');
else if (what === 'lib') process.stdout.write(found.lib || '');
else process.stdout.write(JSON.stringify(found));
