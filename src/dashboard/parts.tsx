/** @jsxImportSource hono/jsx */
// Pieces several pages share: a table with its header row, the deliveries table, and the
// filter fields the deliveries and events searches have in common.

import type { Child } from "hono/jsx";
import type { RuntimeConfig } from "../config/runtime.ts";
import type { DeliveryRecord } from "../outbox/types.ts";
import { Status, time } from "./layout.tsx";

/** A table under a header row; labels in `num` are right-aligned figures. */
export const Table = ({ head, num = [], children }: { head: string[]; num?: string[]; children?: Child }) => (
  <table>
    <thead>
      <tr>
        {head.map((label) => (
          <th class={num.includes(label) ? "num" : undefined}>{label}</th>
        ))}
      </tr>
    </thead>
    <tbody>{children}</tbody>
  </table>
);

/** Deliveries, each linked to its page; `full` adds when each was made and for which event (the event page knows both). */
export const DeliveryTable = ({ rows, full = false }: { rows: DeliveryRecord[]; full?: boolean }) => (
  <Table head={["Delivery", ...(full ? ["Created", "Event"] : []), "Destination", "Status", "Attempts", "Last error"]} num={["Attempts"]}>
    {rows.map((d) => (
      <tr data-delivery={d.id}>
        <td class="mono">
          <a href={`/ui/deliveries/${d.id}`}>{d.id}</a>
        </td>
        {full && <td>{time(d.createdAt)}</td>}
        {full && <td>{d.event}</td>}
        <td>{d.destination}</td>
        <td>
          <Status status={d.status} />
        </td>
        <td class="num">{d.attempts}</td>
        <td class="error">{d.lastError ?? ""}</td>
      </tr>
    ))}
  </Table>
);

/** The source, time-range and submit fields of a search form. */
export function SearchFields({ config, source, since, until, submit, clear }: { config: RuntimeConfig; source?: string; since?: string; until?: string; submit: string; clear: string }) {
  return (
    <>
      <label>
        Source
        <select name="source">
          <option value="">any</option>
          {config.sources.map((s) => (
            <option value={s.name} selected={s.name === source}>
              {s.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Since
        <input name="since" value={since ?? ""} placeholder="2h or 2026-03-09T12:00Z" />
      </label>
      <label>
        Until
        <input name="until" value={until ?? ""} placeholder="30m or an ISO time" />
      </label>
      <button type="submit" class="primary">
        {submit}
      </button>
      <a href={clear}>Clear</a>
    </>
  );
}
