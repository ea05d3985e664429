module.exports = { ...require('../../jest.preset.js'), displayName: 'vision', rootDir: __dirname };
