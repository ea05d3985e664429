module.exports = { ...require('../../jest.preset.js'), displayName: 'finetune', rootDir: __dirname };
