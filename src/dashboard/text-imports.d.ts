// Types for the dashboard's text imports (`with { type: "text" }`), which tsc cannot infer.
declare module "*.css" {
  const text: string;
  export default text;
}
declare module "htmx.org/dist/htmx.min.js" {
  const text: string;
  export default text;
}
