// Closing what a helper opened, at the end of the test that opened it: test/setup.ts (preloaded
// for every file) marks each test's start and end. Something opened outside a test (in a
// describe body or beforeAll, shared by a file's tests) is closed when the whole run ends,
// since Bun shares helper modules between files and a file's own hooks cannot be added here.
let inTest = false;
const perTest: Array<() => Promise<void> | void> = [];
const perRun: Array<() => Promise<void> | void> = [];

export function onTestEnd(close: () => Promise<void> | void): void {
  (inTest ? perTest : perRun).push(close);
}

export function testStarted(): void {
  inTest = true;
}

async function closeAll(list: Array<() => Promise<void> | void>): Promise<void> {
  for (const close of list.splice(0).reverse()) await close();
}

export async function testEnded(): Promise<void> {
  inTest = false;
  await closeAll(perTest);
}

export const runEnded = () => closeAll(perRun);
