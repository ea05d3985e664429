export * from './rank-metrics';
export * from './filtered-ranking';
