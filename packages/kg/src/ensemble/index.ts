export * from './ensemble-rules';
