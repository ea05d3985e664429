export * from './transformer-config';
export * from './transformer';
export * from './decoding';
export * from './losses';
export { embeddingLookup, gelu, layerNorm, MASK_BIAS, matMulNoFlags, sinusoidalPositions } from './transformer-ops';
