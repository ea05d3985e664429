describe('classify package', () => {
  it('loads', () => {
    expect(require('../src/index')).toBeDefined();
  });
});
