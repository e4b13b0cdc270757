// `npm run openapi`: writes docs/openapi.json from the zod schemas (src/ingress/openapi.ts).
// test/integration/openapi.test.ts fails while the committed copy differs from what this writes.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { openApiText } from "../src/ingress/openapi.ts";

const path = join(import.meta.dirname!, "..", "docs", "openapi.json");
writeFileSync(path, openApiText());
console.log(`wrote ${path}`);
