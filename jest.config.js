/**
 * One Jest config for the whole monorepo. Tests run on the TypeScript sources
 * (ESM, transpiled by ts-jest without type-checking; `npm run build` type-checks),
 * with @weft/* mapped to each package's src/index.ts.
 */
export default {
  testEnvironment: 'node',
  // Generous: the machine is shared and a timeout is not a speed test (speed lives in `npm run bench`).
  testTimeout: 60000,
  setupFilesAfterEnv: ['<rootDir>/jest.setup.js'],
  roots: ['<rootDir>/packages', '<rootDir>/examples', '<rootDir>/docs', '<rootDir>/bench'],
  testMatch: ['**/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  // TF.js is a separate install (npm run bench:install); the TF.js comparison tests find it here.
  modulePaths: ['<rootDir>/bench/tfjs/node_modules'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    '^@weft/(tensor|layers|optim|gradcheck)$': '<rootDir>/packages/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, diagnostics: false }],
  },
};
