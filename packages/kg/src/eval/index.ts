export * from './rank-metrics';
export * from './filtered-ranking';
export * from './predicted-facts';
