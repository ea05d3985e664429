import { findNonStrictObjects } from '@kt/core';
import { ClassifyConfigSchema } from '../../src/config-schema';
import { ModelSpecSchema } from '@kt/vision';

describe('classify config: every object is strict', () => {
  it('ClassifyConfigSchema has no object that drops unknown keys', () => {
    expect(findNonStrictObjects(ClassifyConfigSchema)).toEqual([]);
  });

  it('a misspelt model key is an error naming it, not a silently linear model', () => {
    const result = ClassifyConfigSchema.safeParse({
      plugin: 'classify',
      task: 'kd',
      learner: { model: { kind: 'mlp', hiden: [64] } },
    });
    expect(result.success).toBe(false);
    const issue = result.error!.issues[0]!;
    expect(issue.path).toEqual(['learner', 'model']);
    expect(issue.message).toMatch(/hiden/);
    expect(ModelSpecSchema.safeParse({ kind: 'cnn', channels: [8], dense: 16, dropout: 0.1 }).success).toBe(false);
  });
});
