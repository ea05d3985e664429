import { TrainSchema } from '../../src/config/experiment-schema';

describe('TrainSchema', () => {
  it('early stopping needs evalEvery (it watches a validation metric), named at train.earlyStopping', () => {
    const bad = TrainSchema.safeParse({ steps: 10, earlyStopping: { metric: 'bleu', patience: 2 } });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['earlyStopping']);
    expect(bad.error?.issues[0]?.message).toMatch(/set train\.evalEvery/);
    expect(TrainSchema.safeParse({ steps: 10, evalEvery: 5, earlyStopping: { metric: 'bleu', patience: 2 } }).success).toBe(true);
  });

  it('steps and epochs together are refused at train.steps', () => {
    const bad = TrainSchema.safeParse({ steps: 10, epochs: 2 });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['steps']);
  });
});
