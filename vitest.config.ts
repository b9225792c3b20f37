import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'web/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'web/dist/**'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: keep worker count small so emulator servers and databases don't starve.
    maxWorkers: 2,
    reporters: process.env.WARDEN_TEST_JSON ? ['default', ['json', { outputFile: process.env.WARDEN_TEST_JSON }]] : ['default'],
  },
})
