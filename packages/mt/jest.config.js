module.exports = { ...require('../../jest.preset.js'), displayName: 'mt', rootDir: __dirname };
