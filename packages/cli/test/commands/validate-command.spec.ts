import * as fs from 'fs';
import * as path from 'path';
import { configErrorOf } from '@kt/core/testing';
import { formatValidateResult, validateCommand, ValidateOptionsSchema } from '../../src/commands/validate-command';
import { PluginCatalog } from '../../src/plugin-catalog';
import { removeTmpDirs, tmpDir, toyCatalog, TOY_CONFIG, writeToyConfig } from '../helpers';

afterAll(removeTmpDirs);

const options = (o: Record<string, unknown> = {}) => ValidateOptionsSchema.parse(o);

describe('validateCommand', () => {
  const empty = PluginCatalog.empty(require);

  it('resolves the shipped toy config, loading its plugin by a path relative to the config', () => {
    const result = validateCommand(TOY_CONFIG, options(), { catalog: empty, cwd: process.cwd() });
    expect(`${result.plugin}/${result.task}`).toBe('toy/kd');
    expect(result.config.train.lr).toBe(0.05);
    expect(result.config.transfer.temperature).toBe(1); // a schema default, filled in
    expect(result.config.plugins[0]).toBe(path.join(path.dirname(TOY_CONFIG), 'toy-plugin'));
    const text = formatValidateResult(result, false);
    expect(text.startsWith('ok: toy/kd\n{')).toBe(true);
    expect(JSON.parse(text.slice('ok: toy/kd\n'.length))).toEqual(JSON.parse(JSON.stringify(result.config)));
    expect(formatValidateResult(result, true)).toBe('ok: toy/kd\n');
  });

  it('applies --set overrides as YAML scalars', () => {
    const r = validateCommand(TOY_CONFIG, options({ set: ['train.lr=1e-2', 'transfer.divergence=jsd', 'train.steps=7'] }), { catalog: empty, cwd: '/' });
    expect(r.config.train.lr).toBe(0.01);
    expect(r.config.train.steps).toBe(7);
    expect(r.config.transfer.divergence).toBe('jsd');
  });

  it('lists every invalid field by its path', () => {
    const dir = tmpDir();
    const file = writeToyConfig(dir, { train: { lr: -1, batchSize: 'big' }, transfer: { divergence: 'sideways' }, extra: 1 });
    const msg = configErrorOf(() => validateCommand(file, options(), { catalog: empty, cwd: dir }));
    expect(msg).toContain('invalid config');
    expect(msg).toContain('  - train.lr: Too small: expected number to be >0');
    expect(msg).toContain('  - train.batchSize: Invalid input: expected number, received string');
    expect(msg).toMatch(/ {2}- transfer\.divergence: Invalid option: expected one of "forward"\|"backward"/);
    expect(msg).toMatch(/Unrecognized key: "extra"/);
  });

  it('names the known plugins for an unknown plugin and the known tasks for an unknown task', () => {
    const dir = tmpDir();
    expect(configErrorOf(() => validateCommand(writeToyConfig(dir, { plugin: 'nope' }), options(), { catalog: empty, cwd: dir }))).toMatch(
      /- plugin: unknown plugin "nope"; known plugins: toy/,
    );
    expect(configErrorOf(() => validateCommand(writeToyConfig(dir, { plugin: undefined }), options(), { catalog: toyCatalog(), cwd: dir }))).toMatch(
      /- plugin: required; known plugins: toy/,
    );
    expect(configErrorOf(() => validateCommand(writeToyConfig(dir, { task: 'nope' }), options(), { catalog: empty, cwd: dir }))).toMatch(
      /- task: Invalid option: expected one of "kd"\|"nan"/,
    );
  });

  it('reports a missing file, malformed YAML with line and column, and a bad --set', () => {
    const dir = tmpDir();
    expect(configErrorOf(() => validateCommand(path.join(dir, 'missing.yaml'), options(), { catalog: empty, cwd: dir }))).toMatch(/config file not found/);
    const bad = path.join(dir, 'bad.yaml');
    fs.writeFileSync(bad, 'plugin: toy\ntrain:\n  lr: [1\n  steps: 2\n');
    expect(configErrorOf(() => validateCommand(bad, options(), { catalog: empty, cwd: dir }))).toMatch(/bad\.yaml:\d+:\d+: malformed YAML/);
    expect(configErrorOf(() => validateCommand(TOY_CONFIG, options({ set: ['train.lr'] }), { catalog: empty, cwd: dir }))).toMatch(/--set expects key=value/);
  });

  it('runs the task checks kt run would make before training (here: an early-stopping metric the task does not report)', () => {
    const dir = tmpDir();
    const file = writeToyConfig(dir, { train: { steps: 20, evalEvery: 5, earlyStopping: { metric: 'bleu', patience: 2 } } });
    expect(configErrorOf(() => validateCommand(file, options(), { catalog: empty, cwd: dir }))).toContain(
      '- train.earlyStopping.metric: task toy.kd does not report "bleu"; it reports: divergence, agreement',
    );
    const ok = writeToyConfig(dir, { train: { steps: 20, evalEvery: 5, earlyStopping: { metric: 'agreement', patience: 2 } } }, 'ok.json');
    expect(validateCommand(ok, options(), { catalog: empty, cwd: dir }).task).toBe('kd');
  });

  it('rejects unknown options through its schema', () => {
    expect(ValidateOptionsSchema.safeParse({ sett: [] }).success).toBe(false);
  });
});
