module.exports = { ...require('../../jest.preset.js'), displayName: 'deepinversion', rootDir: __dirname };
