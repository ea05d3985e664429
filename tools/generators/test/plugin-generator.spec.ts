import { readJson, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { insertPathEntry, pluginGenerator, validatePluginName } from '../src';

const ROOT_TSCONFIG = `{
  "compilerOptions": {
    "target": "ES2022",
    "lib": ["ES2022"],
    "strict": true,
    "baseUrl": ".",
    "paths": {
      "@kt/core": ["packages/core/src/index.ts"],
      "@kt/cli": ["packages/cli/src/index.ts"]
    }
  }
}
`;

function seededTree(): Tree {
  const tree = createTreeWithEmptyWorkspace();
  tree.write(
    'package.json',
    JSON.stringify({
      name: 'kt-workspace',
      version: '0.1.0',
      private: true,
      workspaces: ['packages/*'],
      dependencies: { '@tensorflow/tfjs': '4.22.0', inversify: '8.2.3', zod: '4.6.7', yaml: '2.9.1' },
      devDependencies: { typescript: '5.9.3' },
    }),
  );
  tree.write('tsconfig.base.json', ROOT_TSCONFIG);
  tree.write('packages/core/package.json', JSON.stringify({ name: '@kt/core', version: '0.3.1' }));
  return tree;
}

function read(tree: Tree, file: string): string {
  const text = tree.read(file, 'utf-8');
  if (text === null) throw new Error(`${file} was not generated`);
  return text;
}

const EXPECTED_FILES = [
  'package.json',
  'tsconfig.json',
  'tsconfig.lib.json',
  'jest.config.js',
  'README.md',
  'src/index.ts',
  'src/speech-kd-plugin.ts',
  'src/speech-kd-module.ts',
  'src/config-schema.ts',
  'src/tasks/speech-kd-tasks.ts',
  'src/tasks/speech-kd-task-kit.ts',
  'src/tasks/train-task.ts',
  'src/tasks/kd-task.ts',
  'src/models/linear-softmax-model.ts',
  'src/data/synthetic-data.ts',
  'test/speech-kd.spec.ts',
  'configs/speech-kd-kd.yaml',
  'configs/speech-kd-train.yaml',
];

describe('plugin generator', () => {
  it('creates exactly the plugin files with names substituted and no template residue', async () => {
    const tree = seededTree();
    await pluginGenerator(tree, { name: 'speech-kd', description: 'Speech   distillation\n(demo)', skipInstall: true });
    const created = tree
      .listChanges()
      .filter((c) => c.type === 'CREATE' && c.path.startsWith('packages/speech-kd/'))
      .map((c) => c.path.slice('packages/speech-kd/'.length))
      .sort();
    expect(created).toEqual([...EXPECTED_FILES].sort());
    for (const file of EXPECTED_FILES) {
      const text = read(tree, `packages/speech-kd/${file}`);
      expect(text).not.toMatch(/<%|%>|__name__|__tmpl__/);
    }
  });

  it('writes a package.json that kt discovers, pinned to the workspace versions', async () => {
    const tree = seededTree();
    await pluginGenerator(tree, { name: 'speech-kd', description: 'Speech "KD" demo', skipInstall: true });
    const pkg = readJson(tree, 'packages/speech-kd/package.json');
    expect(pkg.name).toBe('@kt/speech-kd');
    expect(pkg.description).toBe('Speech "KD" demo');
    expect(pkg.kt).toEqual({ plugin: 'speechKdPlugin' });
    expect(pkg.nx).toEqual({ tags: ['layer:plugin'] });
    expect(pkg.main).toBe('dist/index.js');
    expect(Object.keys(pkg.scripts).sort()).toEqual(['build', 'lint', 'test', 'typecheck']);
    expect(pkg.dependencies).toEqual({ '@kt/core': '0.3.1', '@tensorflow/tfjs': '4.22.0', inversify: '8.2.3', zod: '4.6.7' });
  });

  it('reads dependency versions from the root package.json at generation time', async () => {
    const tree = seededTree();
    tree.write(
      'package.json',
      JSON.stringify({ name: 'kt-workspace', version: '0.1.0', dependencies: { '@tensorflow/tfjs': '4.23.1', zod: '4.7.0' }, devDependencies: { inversify: '8.3.0' } }),
    );
    await pluginGenerator(tree, { name: 'tabular', skipInstall: true });
    expect(readJson(tree, 'packages/tabular/package.json').dependencies).toEqual({
      '@kt/core': '0.3.1',
      '@tensorflow/tfjs': '4.23.1',
      inversify: '8.3.0',
      zod: '4.7.0',
    });
  });

  it('names the exports after the plugin and wires module, schema and tasks together', async () => {
    const tree = seededTree();
    await pluginGenerator(tree, { name: 'speech-kd', skipInstall: true });
    const index = read(tree, 'packages/speech-kd/src/index.ts');
    expect(index).toContain("export { speechKdPlugin } from './speech-kd-plugin';");
    expect(index).toContain('SpeechKdConfigSchema');
    expect(index).toContain('type SpeechKdConfig,');
    const plugin = read(tree, 'packages/speech-kd/src/speech-kd-plugin.ts');
    expect(plugin).toContain('export const speechKdPlugin: KtPlugin = {');
    expect(plugin).toContain('module: speechKdModule,');
    const module = read(tree, 'packages/speech-kd/src/speech-kd-module.ts');
    expect(module).toContain('export const speechKdModule = new ContainerModule(');
    expect(module).toContain('for (const task of SPEECH_KD_TASK_LIST) bind<Task>(Task).toConstantValue(task);');
    const schema = read(tree, 'packages/speech-kd/src/config-schema.ts');
    expect(schema).toContain("export const SPEECH_KD_PLUGIN = 'speech-kd';");
    expect(schema).toContain("export const SPEECH_KD_TASKS = ['train', 'kd'] as const;");
    expect(schema).toContain('defineExperimentSchema(SPEECH_KD_PLUGIN, SPEECH_KD_TASKS, {');
    const registry = read(tree, 'packages/speech-kd/src/tasks/speech-kd-tasks.ts');
    expect(registry).toContain('export const SPEECH_KD_TASK_BY_NAME: { readonly [K in SpeechKdTaskName]: Task } = {');
    expect(read(tree, 'packages/speech-kd/src/tasks/train-task.ts')).toContain('export const speechKdTrainTask: SpeechKdTask<Batch> = {');
    const kd = read(tree, 'packages/speech-kd/src/tasks/kd-task.ts');
    expect(kd).toContain('export const speechKdKdTask: SpeechKdTask<KdBatch> = {');
    expect(kd).toContain('objective.combine(taskLoss, objective.distill(batch.teacherLogits, logits))');
    const kit = read(tree, 'packages/speech-kd/src/tasks/speech-kd-task-kit.ts');
    expect(kit).toContain('export type SpeechKdTask<P extends Batch> = Task<SpeechKdConfig, P>;');
    expect(kit).toContain('ctx.teachers.provision({');
    expect(kit).toContain('modelVersion: SPEECH_KD_MODEL_VERSION,');
    const yaml = read(tree, 'packages/speech-kd/configs/speech-kd-kd.yaml');
    expect(yaml).toMatch(/^plugin: speech-kd$/m);
    expect(yaml).toMatch(/^task: kd$/m);
    expect(read(tree, 'packages/speech-kd/configs/speech-kd-train.yaml')).toMatch(/^task: train$/m);
    expect(read(tree, 'packages/speech-kd/jest.config.js')).toContain("displayName: 'speech-kd'");
    expect(read(tree, 'packages/speech-kd/README.md')).toContain('# @kt/speech-kd');
  });

  it('follows the plugin contract: typed tasks, no config casts, core Rng, sequenceNll, roles and teacher provisioning', async () => {
    const tree = seededTree();
    await pluginGenerator(tree, { name: 'speech-kd', skipInstall: true });
    const sources = tree
      .listChanges()
      .filter((c) => c.type === 'CREATE' && /^packages\/speech-kd\/src\/.*\.ts$/.test(c.path))
      .map((c) => ({ file: c.path, text: read(tree, c.path) }));
    const all = sources.map((s) => s.text).join('\n');
    // No cast or re-validation of ctx.config, no random generator or cross-entropy of its own.
    expect(all).not.toMatch(/ctx\.config as|ConfigSchema\.parse\(ctx\.config\)|as unknown as/);
    expect(all).not.toMatch(/Math\.random|mulberry|SeededRandom|softmaxCrossEntropy|@kt\/native/);
    expect(all).toMatch(/\bRng\.derive\(/);
    expect(all).toMatch(/\bsequenceNll\(/);
    expect(all).toMatch(/\basLearner\(/);
    expect(all).toMatch(/\basTeacher\(/);
    expect(all).toMatch(/\breadRunWeights\(/);
    // Every task declares its metrics; kd has a validate hook.
    for (const file of ['train-task.ts', 'kd-task.ts']) expect(read(tree, `packages/speech-kd/src/tasks/${file}`)).toMatch(/^\s+metrics: SPEECH_KD_\w+_METRICS,$/m);
    expect(read(tree, 'packages/speech-kd/src/tasks/kd-task.ts')).toMatch(/^\s+validate: teacherIssues,$/m);
  });

  it('collapses the description to one line and uses a default when none is given', async () => {
    const tree = seededTree();
    await pluginGenerator(tree, { name: 'speech-kd', description: '  Speech\n  distillation  ', skipInstall: true });
    expect(readJson(tree, 'packages/speech-kd/package.json').description).toBe('Speech distillation');
    expect(read(tree, 'packages/speech-kd/configs/speech-kd-kd.yaml')).toContain('description: "Speech distillation"');
    const other = seededTree();
    await pluginGenerator(other, { name: 'tabular', skipInstall: true });
    expect(readJson(other, 'packages/tabular/package.json').description).toMatch(/^kt plugin: tabular/);
  });

  it('adds the @kt/<name> path mapping to tsconfig.base.json, changing nothing else', async () => {
    const tree = seededTree();
    await pluginGenerator(tree, { name: 'speech-kd', skipInstall: true });
    const after = read(tree, 'tsconfig.base.json');
    expect(JSON.parse(after).compilerOptions.paths).toEqual({
      '@kt/core': ['packages/core/src/index.ts'],
      '@kt/cli': ['packages/cli/src/index.ts'],
      '@kt/speech-kd': ['packages/speech-kd/src/index.ts'],
    });
    // Only one line changed (a comma) and one line was added, in the file's own indentation.
    const before = ROOT_TSCONFIG.split('\n');
    const lines = after.split('\n');
    expect(lines.length).toBe(before.length + 1);
    expect(lines).toContain('      "@kt/speech-kd": ["packages/speech-kd/src/index.ts"]');
    expect(lines).toContain('    "lib": ["ES2022"],');
  });

  it('inserts a path entry into an empty paths object and leaves an existing one alone', () => {
    const empty = '{\n  "compilerOptions": {\n    "paths": {}\n  }\n}\n';
    const edited = insertPathEntry(empty, '@kt/a', 'packages/a/src/index.ts');
    expect(JSON.parse(edited!).compilerOptions.paths).toEqual({ '@kt/a': ['packages/a/src/index.ts'] });
    expect(insertPathEntry('{ "compilerOptions": {} }', '@kt/a', 'x')).toBeUndefined();
  });

  it('adds a paths object when tsconfig.base.json has none', async () => {
    const tree = seededTree();
    tree.write('tsconfig.base.json', '{ "compilerOptions": { "strict": true } }');
    await pluginGenerator(tree, { name: 'tabular', skipInstall: true });
    expect(readJson(tree, 'tsconfig.base.json').compilerOptions).toEqual({
      strict: true,
      paths: { '@kt/tabular': ['packages/tabular/src/index.ts'] },
    });
  });

  it.each([
    ['', /--name is required/],
    ['Foo', /invalid plugin name "Foo": use kebab-case/],
    ['foo_bar', /invalid plugin name "foo_bar": use kebab-case/],
    ['foo--bar', /use kebab-case/],
    ['-foo', /use kebab-case/],
    ['foo-', /use kebab-case/],
    ['2d', /use kebab-case/],
    ['@kt/foo', /use kebab-case/],
    ['../evil', /use kebab-case/],
    ['a'.repeat(41), /at most 40 characters/],
    ['core', /"core" is reserved/],
    ['cli', /"cli" is reserved/],
  ])('rejects the name %j', async (name, message) => {
    const tree = seededTree();
    await expect(pluginGenerator(tree, { name, skipInstall: true })).rejects.toThrow(message);
    const generated = tree.listChanges().filter((c) => c.path.startsWith('packages/') && c.path !== 'packages/core/package.json');
    expect(generated).toEqual([]);
    expect(read(tree, 'tsconfig.base.json')).toBe(ROOT_TSCONFIG);
  });

  it('accepts kebab-case names with digits', () => {
    for (const name of ['foo', 'foo-bar', 'speech-kd2', 'mt-2d', 'a']) expect(validatePluginName(name)).toBe(name);
  });

  it('refuses to overwrite an existing package', async () => {
    const tree = seededTree();
    tree.write('packages/mt/package.json', '{"name":"@kt/mt"}');
    await expect(pluginGenerator(tree, { name: 'mt', skipInstall: true })).rejects.toThrow('packages/mt already exists');
  });

  it('explains a missing root dependency', async () => {
    const tree = seededTree();
    tree.write('package.json', JSON.stringify({ name: 'x', version: '1.0.0', dependencies: { '@tensorflow/tfjs': '4.22.0', zod: '4.6.7' } }));
    await expect(pluginGenerator(tree, { name: 'tabular', skipInstall: true })).rejects.toThrow(
      'the root package.json does not depend on "inversify"',
    );
  });

  it('returns an install callback unless skipInstall', async () => {
    expect(await pluginGenerator(seededTree(), { name: 'tabular', skipInstall: true })).toBeUndefined();
    expect(typeof (await pluginGenerator(seededTree(), { name: 'tabular' }))).toBe('function');
  });
});
