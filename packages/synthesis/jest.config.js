module.exports = { ...require('../../jest.preset.js'), displayName: 'synthesis', rootDir: __dirname };
