// The producer side of the peer: a BullMQ queue on the given Redis port.
import { Queue } from "bullmq";

export function openQueue(redisPort: number) {
  return new Queue("bench", { connection: { host: "127.0.0.1", port: redisPort } });
}
