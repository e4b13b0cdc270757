// The loopback receiver every delivery scenario sends to: answers 200 at once, counts arrivals,
// and records publish-to-arrival latency from a `sent_at` (ms, performance.timeOrigin-based
// wall clock) carried in the event data. GET /stats returns the figures; POST /reset clears them,
// and POST /reset?mark=N also records when the Nth arrival came (`markedAt`), so a rate can be
// taken from there on, once the sender is past its warm-up.
let count = 0;
let latencies: number[] = [];
let first = 0;
let last = 0;
let mark = 0;
let markedAt = 0;

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(req) {
    const url = new URL(req.url);
    if (req.method === "GET" && url.pathname === "/stats") {
      const sorted = [...latencies].sort((a, b) => a - b);
      const at = (q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : null);
      return Response.json({ count, first, last, p50: at(0.5), p99: at(0.99), samples: sorted.length, mark, markedAt });
    }
    if (req.method === "POST" && url.pathname === "/reset") {
      count = 0;
      latencies = [];
      first = last = markedAt = 0;
      mark = Number(url.searchParams.get("mark") ?? 0);
      return new Response("ok");
    }
    const text = await req.text();
    const now = performance.timeOrigin + performance.now();
    count++;
    if (!first) first = now;
    last = now;
    if (count === mark) markedAt = now;
    const sentAt = /"sent_at":(\d+(?:\.\d+)?)/.exec(text);
    if (sentAt) latencies.push(now - Number(sentAt[1]));
    return new Response("ok");
  },
});
console.log(JSON.stringify({ port: server.port }));
export {};
