/** @jsxImportSource hono/jsx */
// The login form: an admin token, posted (never in a URL, so it stays out of history and logs).

import { Page, Problem } from "./layout.tsx";

export const Login = ({ problem }: { problem?: string }) => (
  <Page title="Log in">
    <form class="login" method="post" action="/ui/login">
      <h1>Herald</h1>
      <Problem text={problem} />
      <label for="token">Admin token</label>
      <input id="token" name="token" type="password" autocomplete="current-password" required autofocus />
      <button type="submit" class="primary">
        Log in
      </button>
    </form>
  </Page>
);
