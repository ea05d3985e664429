import 'reflect-metadata';

export * from './divergence';
export * from './contracts';
export * from './config';
export * from './runtime';
export * from './runtime/backend';
export * from './ops';
