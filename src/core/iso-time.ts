// ISO 8601 text of a millisecond time, remembered for the last millisecond asked: a busy
// millisecond formats the same instant for every event and log line in it.

let lastMs = Number.NaN;
let lastText = "";

export function isoTime(ms: number): string {
  if (ms !== lastMs) {
    lastText = new Date(ms).toISOString();
    lastMs = ms;
  }
  return lastText;
}
