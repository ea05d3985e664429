// Shared jest settings for every workspace package. Each package's jest.config.js
// spreads this and sets its own displayName/rootDir.
const path = require('path');
const { compilerOptions } = require('./tsconfig.base.json');

const moduleNameMapper = {};
for (const [name, [target]] of Object.entries(compilerOptions.paths)) {
  moduleNameMapper[`^${name.replace('/', '\\/')}$`] = path.join(__dirname, target);
}

module.exports = {
  testEnvironment: 'node',
  // Training tests take seconds, not milliseconds; a slow CI machine must not fail them by the clock.
  testTimeout: 180000,
  transform: {
    '^.+\\.(t|j|mj)s$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  // inversify 8 ships ESM only: let swc transform it for jest.
  transformIgnorePatterns: ['/node_modules/(?!(inversify|@inversifyjs)/)'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json', 'node'],
  moduleNameMapper,
  testMatch: ['**/?(*.)+(spec|test).ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  setupFiles: [path.join(__dirname, 'tools/jest/quiet-tfjs.js')],
};
