import { startS3rver } from "./s3rver.ts";

/**
 * s3rver in a process of its own, for tests that freeze it (SIGSTOP) as a hung server would
 * be: one in the test's own process would freeze the test too. Prints its port, then serves
 * until killed.
 */
const s3 = await startS3rver();
process.on("SIGTERM", () => void s3.stop().then(() => process.exit(0)));
console.log(JSON.stringify({ port: s3.config.port }));
