export * from './experiment-schema';
export * from './load-config';
