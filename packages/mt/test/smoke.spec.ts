describe('mt package', () => {
  it('loads', () => {
    expect(require('../src/index')).toBeDefined();
  });
});
