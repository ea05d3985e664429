export * from './negative-sampler';
