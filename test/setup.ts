// Preloaded before every test file (bunfig.toml): hooks here run around every test of every
// file (beforeEach, afterEach) or once for the whole run (afterAll).
import { afterAll, afterEach, beforeEach } from "bun:test";
import { runEnded, testEnded, testStarted } from "./helpers/cleanup.ts";
import { removeTempDirs } from "./helpers/fs.ts";

beforeEach(testStarted);
afterEach(testEnded);
afterAll(async () => {
  await runEnded();
  removeTempDirs();
});
