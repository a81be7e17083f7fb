// pnpm hooks. beforePacking: what `pnpm pack` and `pnpm publish` write into a published
// package.json — without devDependencies (they name private workspace packages) and
// scripts (workspace tasks that mean nothing to an installed package).
module.exports = {
  hooks: {
    beforePacking(pkg) {
      delete pkg.devDependencies;
      delete pkg.scripts;
      return pkg;
    },
  },
};
