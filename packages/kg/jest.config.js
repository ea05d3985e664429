module.exports = { ...require('../../jest.preset.js'), displayName: 'kg', rootDir: __dirname };
