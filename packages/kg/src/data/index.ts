export * from './triples';
export * from './vocabulary';
export * from './kg-graph';
export * from './data-checks';
export * from './read-lines';
export * from './load-named-triples';
export * from './load-dbp5l';
export * from './wordnet-triples';
