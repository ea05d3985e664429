export * from './kg-losses';
