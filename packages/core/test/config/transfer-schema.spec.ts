import { z } from 'zod';
import { defineExperimentSchema, TransferSchema } from '../../src/config/experiment-schema';
import { formatZodError } from '../../src/config/load-config';
import { DIVERGENCE_NAMES } from '../../src/divergence';

const ExperimentSchema = defineExperimentSchema('toy', ['kd'], { data: z.string().optional() });

function issuesOf(input: unknown): Array<{ path: string; message: string }> {
  const result = TransferSchema.safeParse(input);
  expect(result.success).toBe(false);
  return (result.error?.issues ?? []).map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}

describe('TransferSchema: each divergence with its own parameters', () => {
  it('defaults are unchanged: forward, temperature 1, alpha 0, lambda 0; jsd beta 0.5; skew 0.1', () => {
    expect(TransferSchema.parse({})).toEqual({ divergence: 'forward', temperature: 1, alpha: 0, lambda: 0 });
    expect(TransferSchema.parse({ divergence: 'jsd' })).toEqual({ divergence: 'jsd', beta: 0.5, temperature: 1, alpha: 0, lambda: 0 });
    for (const divergence of ['skew-forward', 'skew-backward'] as const) {
      expect(TransferSchema.parse({ divergence })).toEqual({ divergence, skew: 0.1, temperature: 1, alpha: 0, lambda: 0 });
    }
    for (const divergence of ['backward', 'tvd'] as const) {
      expect(TransferSchema.parse({ divergence, alpha: 0.5 })).toEqual({ divergence, temperature: 1, alpha: 0.5, lambda: 0 });
    }
    expect(ExperimentSchema.parse({ plugin: 'toy', task: 'kd' }).transfer).toEqual({
      divergence: 'forward',
      temperature: 1,
      alpha: 0,
      lambda: 0,
    });
  });

  it('every registered divergence is accepted', () => {
    for (const divergence of DIVERGENCE_NAMES) expect(TransferSchema.parse({ divergence }).divergence).toBe(divergence);
  });

  it('keeps the given parameters of the chosen divergence', () => {
    expect(TransferSchema.parse({ divergence: 'jsd', beta: 0.3, temperature: 2, alpha: 0.25, lambda: 0.5 })).toEqual({
      divergence: 'jsd',
      beta: 0.3,
      temperature: 2,
      alpha: 0.25,
      lambda: 0.5,
    });
    expect(TransferSchema.parse({ divergence: 'skew-backward', skew: 0 })).toMatchObject({ skew: 0 });
  });

  it('beta with a divergence other than jsd is an error at beta, naming jsd', () => {
    for (const divergence of ['forward', 'backward', 'tvd', 'skew-forward', 'skew-backward']) {
      expect(issuesOf({ divergence, beta: 0.3 })).toEqual([
        { path: 'beta', message: expect.stringMatching(new RegExp(`parameter of divergence jsd, not of '${divergence}'`)) as unknown as string },
      ]);
    }
    // No divergence given means forward: beta alone is an error too.
    expect(issuesOf({ beta: 0.3 })[0]?.path).toBe('beta');
  });

  it('skew with a divergence other than skew-forward / skew-backward is an error at skew', () => {
    for (const divergence of ['forward', 'backward', 'jsd', 'tvd']) {
      const issues = issuesOf({ divergence, skew: 0.2 });
      expect(issues.map((i) => i.path)).toEqual(['skew']);
      expect(issues[0]?.message).toMatch(/skew-forward \/ skew-backward/);
    }
    expect(issuesOf({ divergence: 'jsd', beta: 0.3, skew: 0.2 }).map((i) => i.path)).toEqual(['skew']);
    expect(issuesOf({ divergence: 'tvd', beta: 0.3, skew: 0.2 }).map((i) => i.path)).toEqual(['beta', 'skew']);
  });

  it('skew = 1 is refused for both skew divergences, saying why (the loss would not depend on the learner)', () => {
    for (const divergence of ['skew-forward', 'skew-backward']) {
      const issues = issuesOf({ divergence, skew: 1 });
      expect(issues.map((i) => i.path)).toEqual(['skew']);
      expect(issues[0]?.message).toMatch(/skew must be < 1: .*0 for every learner/);
      expect(issuesOf({ divergence, skew: -0.1 }).map((i) => i.path)).toEqual(['skew']);
      expect(TransferSchema.parse({ divergence, skew: 0.99 })).toMatchObject({ skew: 0.99 });
    }
  });

  it('an unknown divergence lists the known ones at divergence', () => {
    const issues = issuesOf({ divergence: 'sideways' });
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe('divergence');
    expect(issues[0]?.message).toBe(`Invalid option: expected one of ${DIVERGENCE_NAMES.map((n) => `"${n}"`).join('|')}`);
    expect(issuesOf({ divergence: 3 })[0]?.path).toBe('divergence');
  });

  it('other fields are still checked, and unknown keys are still errors', () => {
    expect(issuesOf({ divergence: 'jsd', temperature: -1 }).map((i) => i.path)).toEqual(['temperature']);
    expect(issuesOf({ divergence: 'jsd', beta: 2 }).map((i) => i.path)).toEqual(['beta']);
    expect(issuesOf({ divergence: 'forward', alhpa: 0.5 })[0]?.message).toMatch(/alhpa/);
    expect(issuesOf('forward')).toHaveLength(1);
  });

  it('in an experiment config the error names transfer.beta', () => {
    const result = ExperimentSchema.safeParse({ plugin: 'toy', task: 'kd', transfer: { divergence: 'forward', beta: 0.3 } });
    expect(result.success).toBe(false);
    const text = formatZodError(result.error!, 'exp.yaml');
    expect(text).toMatch(/^exp\.yaml: invalid config\n {2}- transfer\.beta: beta is a parameter of divergence jsd, not of 'forward'/);
  });
});
