// Key paths (config keys, request body fields) as a user reads them: ["destinations", 1, "url"] -> "destinations[1].url".

export function formatKeyPath(path: ReadonlyArray<PropertyKey>, whole = "(config)"): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(String(key))) out += out ? `.${String(key)}` : String(key);
    else out += `${out ? "." : ""}"${String(key)}"`;
  }
  return out || whole;
}
