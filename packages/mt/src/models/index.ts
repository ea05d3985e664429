export * from './transformer-config';
export * from './transformer';
export * from './decoding';
export * from './losses';
export { matMulNoFlags, sinusoidalPositions } from './transformer-ops';
