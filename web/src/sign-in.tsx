/** Without a credential: take an API key or a token, and keep it only if the API accepts it. */
import { useState } from 'react';
import { signIn } from './auth.ts';
import { errorBodySchema } from './schemas.ts';

/** Asks the API with this credential only, so a refused one is never stored. */
async function refusal(key: string): Promise<string | null> {
  const response = await fetch('/v1/threads', { headers: { authorization: `Bearer ${key}` } });
  if (response.ok) return null;
  const body = errorBodySchema.safeParse(await response.json().catch(() => null));
  return body.success ? body.data.error.message : `${response.status} ${response.statusText}`;
}

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
          const candidate = key.trim();
          refusal(candidate)
            .then((reason) => (reason ? setProblem(reason) : signIn(candidate)))
            .catch((error: unknown) => setProblem(error instanceof Error ? error.message : String(error)));
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
