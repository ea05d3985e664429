export * from './experiment-schema';
export * from './load-config';
export * from './strict-schema';
