/** A named score of a model's outputs; `higherIsBetter` drives early stopping and tables. */
export const Metric = Symbol('Metric');
export interface Metric<Input = unknown> {
  readonly name: string;
  readonly higherIsBetter: boolean;
  compute(input: Input): number;
}

export type Metrics = Record<string, number>;
