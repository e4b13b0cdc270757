/** @jsxImportSource hono/jsx */
// The destinations page: each configured destination with its state and a Pause or Resume
// button (what the admin API's pause and resume do), a "send a test" form (what `herald test`
// does), the outcome of the last test, and the effective config exactly as `herald check`
// prints it (URLs redacted, secrets only counted).

import type { TestResult } from "../commands/test-destination.ts";
import { configView } from "../commands/config-view.ts";
import { describeConfig } from "../commands/describe-config.ts";
import type { RuntimeConfig } from "../config/runtime.ts";
import type { DestinationStateJson } from "../ops/destinations.ts";
import { DestinationState, HoldButton } from "./destination-state.tsx";
import { Csrf, Problem } from "./layout.tsx";
import { Table } from "./parts.tsx";
import type { Session } from "./session.ts";

const SAMPLE_EVENTS = ["completed", "failed", "started"];

export interface DestinationsProps {
  config: RuntimeConfig;
  states: Map<string, DestinationStateJson>;
  session: Session;
  tested?: TestResult;
  problem?: string;
}

export function Destinations({ config, states, session, tested, problem }: DestinationsProps) {
  const { destinations } = configView(config);
  return (
    <>
      <h1>Destinations</h1>
      <Problem text={problem} />
      {tested && <TestOutcome result={tested} />}
      <Table head={["Name", "Type", "URL", "Signature", "State", "Pending", "", "Send a test"]} num={["Pending"]}>
          {destinations.map((d) => (
            <tr data-destination={d.name}>
              <td>
                <a href={`/ui/deliveries?destination=${encodeURIComponent(d.name)}`}>{d.name}</a>
              </td>
              <td>{d.type}</td>
              <td class="mono">{d.url}</td>
              <td>{d.signature === null ? "-" : d.signature}</td>
              <td>
                <DestinationState state={states.get(d.name)} />
              </td>
              <td class="num">{states.get(d.name)?.pending ?? "-"}</td>
              <td>
                <HoldButton state={states.get(d.name)} session={session} back="/ui/destinations" />
              </td>
              <td>
                <form method="post" action={`/ui/destinations/${encodeURIComponent(d.name)}/test`} class="inline">
                  <Csrf session={session} />
                  <select name="event" aria-label="sample event">
                    {SAMPLE_EVENTS.map((e) => (
                      <option value={e}>{e}</option>
                    ))}
                  </select>{" "}
                  <button type="submit">Send test</button>
                </form>
              </td>
            </tr>
          ))}
      </Table>
      {destinations.length === 0 && <p class="muted">No destination is configured; producers may still name inline webhooks.</p>}
      <h2>Effective config (as herald check prints it)</h2>
      <pre>{describeConfig(config)}</pre>
    </>
  );
}

const VERDICTS: Record<TestResult["outcome"], string> = { delivered: "delivered", would_retry: "would be retried", would_fail: "would fail, not retried" };

function TestOutcome({ result }: { result: TestResult }) {
  const head = result.error ?? `HTTP ${result.status}`;
  return (
    <div class={result.outcome === "delivered" ? "notice" : "problem"} data-test-result={result.outcome}>
      <strong>{`Test "${result.event}" to ${result.destination} (${result.url}): ${head} in ${result.latency_ms} ms, ${VERDICTS[result.outcome]}.`}</strong>
      {result.body && <pre>{result.body.slice(0, 4096)}</pre>}
    </div>
  );
}
