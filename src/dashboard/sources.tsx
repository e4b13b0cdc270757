/** @jsxImportSource hono/jsx */
// The sources page: the configured inbound sources and the last requests they refused, and why
// (a bounded ring in memory, ops/refused-log.ts: it starts empty at each start).

import { configView } from "../commands/config-view.ts";
import type { RuntimeConfig } from "../config/runtime.ts";
import { REFUSED_KEPT, type RefusedRequest } from "../ops/refused-log.ts";
import { Live, time } from "./layout.tsx";
import { Table } from "./parts.tsx";

export function Sources({ config, refused }: { config: RuntimeConfig; refused: RefusedRequest[] }) {
  const { sources } = configView(config);
  return (
    <Live id="sources" url="/ui/sources">
      <h1>Sources</h1>
      {sources.length === 0 ? (
        <p class="muted">No [[sources]] are configured.</p>
      ) : (
        <Table head={["Name", "Path", "Verify"]}>
            {sources.map((s) => (
              <tr>
                <td>
                  <a href={`/ui/deliveries?source=${encodeURIComponent(s.name)}`}>{s.name}</a>
                </td>
                <td class="mono">{s.path}</td>
                <td>{s.verify}</td>
              </tr>
            ))}
        </Table>
      )}
      <h2>{`Refused requests (the last ${REFUSED_KEPT} since this process started)`}</h2>
      {refused.length === 0 ? (
        <p class="muted">None.</p>
      ) : (
        <Table head={["At", "Source", "Status", "Why"]}>
            {refused.map((r) => (
              <tr>
                <td>{time(r.at)}</td>
                <td>{r.source}</td>
                <td>{r.status}</td>
                <td class="error">{r.reason}</td>
              </tr>
            ))}
        </Table>
      )}
    </Live>
  );
}
