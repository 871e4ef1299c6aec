import { useState } from 'preact/hooks';
import { ApiError, adminApi, hasAdmin, hasKeyPair, publicApi, setCredentials } from './api';
import type { Credentials } from './api';

/**
 * Signing in checks each credential against its own API: the key pair with `GET /api/v2/integrations`,
 * the admin token with `GET /__admin/accounts`. Nothing is stored beyond the page's memory.
 */
export function SignIn({ onSignedIn }: { onSignedIn: (credentials: Credentials) => void }) {
  const [publicKey, setPublicKey] = useState('');
  const [secretKey, setSecretKey] = useState('');
  const [adminToken, setAdminToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    const credentials = {
      publicKey: publicKey.trim(),
      secretKey: secretKey.trim(),
      adminToken: adminToken.trim(),
    };
    if (!hasKeyPair(credentials) && !hasAdmin(credentials)) {
      setError('Enter a public key and a secret key, or an admin token, or both.');
      return;
    }
    if ((credentials.publicKey === '') !== (credentials.secretKey === '')) {
      setError('A key pair needs both its public key and its secret key.');
      return;
    }
    setBusy(true);
    setError(null);
    setCredentials(credentials);
    try {
      if (hasKeyPair(credentials)) {
        try {
          await publicApi('GET', '/api/v2/integrations');
        } catch (e) {
          throw new Error(`Key pair: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      if (hasAdmin(credentials)) {
        try {
          await adminApi('GET', '/__admin/accounts');
        } catch (e) {
          if (e instanceof ApiError && e.status === 404)
            throw new Error(
              'Admin token: this server has no admin API. Start it with ADMIN_TOKEN set, or with serve --dev.',
            );
          throw new Error(`Admin token: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      onSignedIn(credentials);
    } catch (e) {
      setCredentials({ publicKey: '', secretKey: '', adminToken: '' });
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="sign-in" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">order-inbox</h1>
      <p>
        Sign in with an integration's API key pair to see what your shop sent, or with the admin token to see
        every account, the webhooks that went out and the request journal.
      </p>
      <form onSubmit={submit} noValidate>
        <fieldset>
          <legend>API key pair</legend>
          <label for="public-key">Public key</label>
          <input
            id="public-key"
            name="public-key"
            autoComplete="username"
            spellcheck={false}
            value={publicKey}
            onInput={(e) => setPublicKey(e.currentTarget.value)}
          />
          <label for="secret-key">Secret key</label>
          <input
            id="secret-key"
            name="secret-key"
            type="password"
            autoComplete="current-password"
            value={secretKey}
            onInput={(e) => setSecretKey(e.currentTarget.value)}
          />
        </fieldset>
        <fieldset>
          <legend>Admin API (optional)</legend>
          <label for="admin-token">Admin token</label>
          <input
            id="admin-token"
            name="admin-token"
            type="password"
            autoComplete="off"
            value={adminToken}
            onInput={(e) => setAdminToken(e.currentTarget.value)}
          />
        </fieldset>
        {error !== null && (
          <p class="notice error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p class="muted small">Kept in this page's memory only: reloading the page signs you out.</p>
      </form>
    </main>
  );
}
