#!/usr/bin/env node
// Builds the addon with node-gyp at install time. It NEVER fails the install:
// when nothing can be compiled it records the reason in native-build.json and
// exits 0, and nativeStatus() then reports { available: false, reason }.
//   KT_NATIVE_SKIP_BUILD=1  skip the build (reason recorded)
//   KT_NATIVE_BLAS=portable build without the system BLAS
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.resolve(__dirname, '..');
const statusFile = path.join(root, 'native-build.json');
const verbose = process.argv.includes('--verbose');

function record(ok, reason, extra) {
  const status = { ok, reason, time: new Date().toISOString(), node: process.version, ...extra };
  try {
    fs.writeFileSync(statusFile, JSON.stringify(status, null, 2) + '\n');
  } catch {
    // best effort only
  }
  const line = ok ? `@kt/native: addon built (${extra && extra.blas})` : `@kt/native: addon NOT built: ${reason}`;
  console.log(line);
}

// x86 instruction-set extensions that -march=native may use; the addon records
// which of them the build machine had, and refuses to load where one is missing
// (instead of dying with SIGILL), see src/addon.ts.
const SIMD_FLAGS = ['sse4_2', 'avx', 'avx2', 'fma', 'f16c', 'bmi2', 'avx512f', 'avx512bw', 'avx512dq', 'avx512vl'];

function cpuFlags() {
  try {
    const info = fs.readFileSync('/proc/cpuinfo', 'utf8');
    const line = info.split('\n').find((l) => l.startsWith('flags'));
    if (!line) return undefined;
    const have = new Set(line.split(':')[1].trim().split(/\s+/));
    return SIMD_FLAGS.filter((f) => have.has(f));
  } catch {
    return undefined;
  }
}

function findNodeGyp() {
  const candidates = [];
  if (process.env.npm_config_node_gyp) candidates.push(process.env.npm_config_node_gyp);
  try {
    candidates.push(require.resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    // not a local dependency
  }
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  candidates.push(path.join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  candidates.push(path.join(path.dirname(process.execPath), 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  return candidates.find((c) => c && fs.existsSync(c));
}

// Local Node headers avoid a download (there may be no network).
function findNodeDir() {
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  const candidates = [process.env.npm_config_nodedir, prefix, '/usr', '/usr/local'].filter(Boolean);
  return candidates.find((d) => fs.existsSync(path.join(d, 'include', 'node', 'node_api.h')));
}

function main() {
  if (process.env.KT_NATIVE_SKIP_BUILD === '1') {
    record(false, 'build skipped (KT_NATIVE_SKIP_BUILD=1)');
    return;
  }
  const gyp = findNodeGyp();
  if (!gyp) {
    record(false, 'node-gyp not found');
    return;
  }
  const args = [gyp, 'rebuild'];
  const nodedir = findNodeDir();
  if (nodedir) args.push(`--nodedir=${nodedir}`);
  const res = spawnSync(process.execPath, args, {
    cwd: root,
    encoding: 'utf8',
    stdio: verbose ? 'inherit' : 'pipe',
    timeout: 10 * 60 * 1000,
  });
  const built = path.join(root, 'build', 'Release', 'kt_native.node');
  if (res.status === 0 && fs.existsSync(built)) {
    let blas = 'unknown';
    try {
      blas = require(built).info().blas;
    } catch (err) {
      record(false, `built but cannot load: ${err && err.message}`);
      return;
    }
    const march = require('child_process')
      .spawnSync(process.execPath, [path.join(__dirname, 'detect-blas.js'), 'march'], { encoding: 'utf8' })
      .stdout.trim();
    const extra = { blas, nodedir: nodedir || null, march: march || 'none' };
    if (march === 'native' && process.arch === 'x64') extra.cpuFlags = cpuFlags();
    record(true, undefined, extra);
    return;
  }
  const tail = `${res.stderr || ''}${res.stdout || ''}`.trim().split('\n').slice(-8).join(' | ');
  const why = res.error ? res.error.message : `node-gyp exited with ${res.status}`;
  record(false, `${why}${tail ? `: ${tail}` : ''}`);
}

try {
  main();
} catch (err) {
  record(false, `install script error: ${err && err.message}`);
}
process.exit(0);
