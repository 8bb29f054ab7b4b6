/** Without a credential: take an API key or a token, and keep it only if the API accepts it. */
import { useState } from 'react';
import { signIn, signOut } from './auth.ts';
import { getJson } from './api.ts';
import { threadListSchema } from './schemas.ts';

export function SignIn() {
  const [key, setKey] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  return (
    <main className="sign-in">
      <h1>Longhaul</h1>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          setProblem(null);
          signIn(key.trim());
          getJson('/v1/threads', threadListSchema).catch((error: unknown) => {
            signOut();
            setProblem(error instanceof Error ? error.message : String(error));
          });
        }}
      >
        <label>
          API key or token
          <input
            type="password"
            autoComplete="off"
            value={key}
            onChange={(event) => setKey(event.target.value)}
            required
          />
        </label>
        <button type="submit">Sign in</button>
        {problem && (
          <p className="problem" role="alert">
            {problem}
          </p>
        )}
      </form>
      <p className="hint">
        <code>npm start</code> prints a link that signs you in with the demo key.
      </p>
    </main>
  );
}
