import { defineConfig } from "vitest/config";

// The property tests fold 100,000-actor traces; on a shared 2-core machine under load one can
// take several times its quiet time. No test here is a timing test (benchmarks live in bench/),
// so the timeout only guards against a hang.
export default defineConfig({
  test: { include: ["test/**/*.test.ts"], environment: "node", testTimeout: 30_000 },
});
