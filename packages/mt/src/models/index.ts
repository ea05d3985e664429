export * from './transformer-config';
export * from './transformer';
export * from './decoding';
export * from './losses';
export { sinusoidalPositions } from './transformer-ops';
