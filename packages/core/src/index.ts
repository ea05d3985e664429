export * from './divergence';
