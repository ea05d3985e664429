module.exports = { ...require('../../jest.preset.js'), displayName: 'classify', rootDir: __dirname };
