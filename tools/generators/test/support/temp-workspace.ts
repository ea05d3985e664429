import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** The real workspace: tools/generators/test/support -> repo root. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');

/** Root files a workspace skeleton needs for tsc, jest, eslint and nx. */
const ROOT_FILES = ['package.json', 'tsconfig.base.json', 'jest.preset.js', 'eslint.config.mjs', 'nx.json'];
const SKIPPED_DIRS = new Set(['node_modules', '.nx', 'coverage', '.scratch-build']);

/** Newest modification time (ms) of the files under `dir` matching `keep`. */
export function newestMtime(dir: string, keep: (file: string) => boolean = () => true): number {
  let newest = 0;
  if (!fs.existsSync(dir)) return newest;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full, keep));
    else if (keep(full)) newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

/** True when `packages/<name>/dist/<entry>` is missing or older than a file of its `src/`. */
export function distIsStale(name: string, entry = 'index.js', root = REPO_ROOT): boolean {
  const pkg = path.join(root, 'packages', name);
  const built = path.join(pkg, 'dist', entry);
  if (!fs.existsSync(built)) return true;
  return newestMtime(path.join(pkg, 'src'), (f) => f.endsWith('.ts')) > newestMtime(path.join(pkg, 'dist'), (f) => f.endsWith('.js'));
}

function copyDir(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    if (SKIPPED_DIRS.has(entry.name)) continue;
    const src = path.join(from, entry.name);
    const dst = path.join(to, entry.name);
    if (entry.isDirectory()) copyDir(src, dst);
    else if (entry.isFile()) fs.copyFileSync(src, dst);
  }
}

export interface TempWorkspace {
  readonly root: string;
  /** Links `node_modules/@kt/<name>` to `packages/<name>` of the copy (what `npm install` does). */
  linkPackage(name: string): void;
  dispose(): void;
}

/**
 * A throw-away copy of the workspace skeleton: the root config files, the given packages (with their
 * built `dist/`), and a `node_modules` holding a symlink to every entry of the real one except
 * `@kt`, whose members point at the copies instead.
 */
export function createTempWorkspace(packages: readonly string[], source = REPO_ROOT): TempWorkspace {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'kt-gen-e2e-')));
  const dispose = (): void => fs.rmSync(root, { recursive: true, force: true });
  const modules = path.join(root, 'node_modules');
  try {
    for (const file of ROOT_FILES) {
      if (fs.existsSync(path.join(source, file))) fs.copyFileSync(path.join(source, file), path.join(root, file));
    }
    for (const name of packages) copyDir(path.join(source, 'packages', name), path.join(root, 'packages', name));
    fs.mkdirSync(path.join(modules, '@kt'), { recursive: true });
    for (const entry of fs.readdirSync(path.join(source, 'node_modules'))) {
      if (entry === '@kt') continue;
      fs.symlinkSync(path.join(source, 'node_modules', entry), path.join(modules, entry));
    }
  } catch (err) {
    // A half-made copy is removed, not left in the temp folder.
    dispose();
    throw err;
  }
  const linkPackage = (name: string): void => {
    const link = path.join(modules, '@kt', name);
    if (!fs.existsSync(link)) fs.symlinkSync(path.join(root, 'packages', name), link, 'dir');
  };
  for (const name of packages) linkPackage(name);
  return { root, linkPackage, dispose };
}
