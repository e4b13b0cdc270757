/** @jsxImportSource hono/jsx */
// One delivery: its facts, retry and cancel, a timeline, every attempt with the capped answer,
// the event's data, and the headers Herald sends (signatures and credential-like values hidden).

import type { AttemptView, DeliveryRecord, EventRecord } from "../outbox/types.ts";
import { age, Csrf, Live, Status, time } from "./layout.tsx";
import { Table } from "./parts.tsx";
import type { Session } from "./session.ts";

export interface DeliveryProps {
  session: Session;
  delivery: DeliveryRecord;
  attempts: AttemptView[];
  event?: EventRecord;
  /** The request headers an attempt carries now, values redacted where needed; undefined when they cannot be shown (inline, or no longer configured). */
  headers?: Array<[string, string]>;
}

export function Delivery({ session, delivery: d, attempts, event, headers }: DeliveryProps) {
  const url = `/ui/deliveries/${d.id}`;
  const live = d.status === "pending" || d.status === "in_flight";
  return (
    <Live id="delivery" url={url}>
      <h1>
        Delivery <span class="mono">{d.id}</span> <Status status={d.status} />
      </h1>
      <dl class="facts">
        <dt>Event</dt>
        <dd>
          {d.event}{" "}
          <a class="mono" href={`/ui/events/${d.eventId}`}>
            {d.eventId}
          </a>
        </dd>
        <dt>Destination</dt>
        <dd>{d.destination}</dd>
        <dt>Attempts</dt>
        <dd>{`${d.attempts} sent, ${d.failedAttempts} counted as failed`}</dd>
        <dt>Created</dt>
        <dd>{time(d.createdAt)}</dd>
        {live && (
          <>
            <dt>Next attempt</dt>
            <dd>{time(d.nextAttemptAt)}</dd>
          </>
        )}
        <dt>Expires</dt>
        <dd>{time(d.expiresAt)}</dd>
        <dt>Finished</dt>
        <dd>{time(d.finishedAt)}</dd>
        <dt>Last error</dt>
        <dd class="error">{d.lastError ?? "-"}</dd>
      </dl>
      <div class="actions">
        {d.status !== "in_flight" && (
          <form method="post" action={`${url}/retry`}>
            <Csrf session={session} />
            <button type="submit" class="primary">
              Retry
            </button>
          </form>
        )}
        {d.status === "pending" && (
          <form method="post" action={`${url}/cancel`}>
            <Csrf session={session} />
            <button type="submit" class="danger">
              Cancel
            </button>
          </form>
        )}
        <code class="muted">herald retry {d.id}</code>
      </div>
      <h2>Timeline</h2>
      <ol class="timeline">
        <li>{`${time(d.createdAt)} created`}</li>
        {attempts.map((a) => (
          <li>{`${time(a.at)} attempt ${a.n}: ${a.outcome.replace("_", " ")}${a.statusCode === undefined ? "" : ` (HTTP ${a.statusCode})`} after ${age(a.durationMs)}`}</li>
        ))}
        {d.finishedAt !== undefined && <li>{`${time(d.finishedAt)} ${d.status}`}</li>}
        {live && <li>{`${time(d.nextAttemptAt)} next attempt due`}</li>}
      </ol>
      <h2>Attempts</h2>
      {attempts.length === 0 ? (
        <p class="muted">No attempt yet.</p>
      ) : (
        <Table head={["#", "At", "Duration", "Status", "Outcome", "Error", "Answer (first 4 KiB)"]} num={["#", "Duration"]}>
            {attempts.map((a) => (
              <tr>
                <td class="num">{a.n}</td>
                <td>{time(a.at)}</td>
                <td class="num">{age(a.durationMs)}</td>
                <td>{a.statusCode ?? "-"}</td>
                <td>{a.outcome.replace("_", " ")}</td>
                <td class="error">{a.error ?? ""}</td>
                <td>{a.response ? <pre>{a.response}</pre> : <span class="muted">-</span>}</td>
              </tr>
            ))}
        </Table>
      )}
      <h2>Event data</h2>
      {event ? <pre>{JSON.stringify(event.data, null, 2)}</pre> : <p class="muted">The event has been pruned.</p>}
      <h2>Request headers</h2>
      {headers ? (
        <table>
          <tbody>
            {headers.map(([name, value]) => (
              <tr>
                <td class="mono">{name}</td>
                <td class="mono">{value}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p class="muted">Not shown: the destination is an inline webhook or is no longer configured.</p>
      )}
    </Live>
  );
}
