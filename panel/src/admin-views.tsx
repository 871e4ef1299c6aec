/** What the admin token shows: every account, the webhook outbox, the request journal. */
import { useEffect, useState } from 'preact/hooks';
import { adminApi } from './api';
import { Notice, RawJson, Time } from './format';

interface AdminIntegration {
  id: number;
  shop_name: string;
  shop_url: string | null;
  system: string;
  webhook_url: string | null;
  webhook_active: boolean;
}

export interface Account {
  account_id: number;
  partner: boolean;
  created_at: string;
  credentials: { public_key: string; oauth_only: boolean; created_at: string; revoked_at: string | null }[];
  integrations: AdminIntegration[];
}

interface Attempt {
  attempted_at: string;
  status_code: number | null;
  error: string | null;
  duration_ms: number | null;
  outcome: string;
  captured: boolean;
}

interface Delivery {
  id: number;
  account_id: number;
  integration_id: number;
  action: string;
  url: string;
  status: string;
  captured: boolean;
  created_at: string;
  next_attempt_at: string | null;
  delivered_at: string | null;
  body: string;
  signature: string;
  attempts: Attempt[];
}

interface Message {
  headers: Record<string, string>;
  body: unknown;
  truncated: boolean;
}

interface JournalEntry {
  id: number;
  at: string;
  method: string;
  path: string;
  query: string;
  operation: string;
  account_id: number | null;
  integration_id: number | null;
  test_id: string | null;
  status: number;
  duration_ms: number;
  request: Message;
  response: Message;
}

function useAdmin<T>(path: string | null): { data: T | null; error: string | null; reload: () => void } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (path === null) return;
    let live = true;
    setData(null);
    setError(null);
    adminApi<T>('GET', path).then(
      (answer) => live && setData(answer.body),
      (e: unknown) => live && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      live = false;
    };
  }, [path, tick]);
  return { data, error, reload: () => setTick((t) => t + 1) };
}

export function AccountsView({
  onWebhooks,
  onJournal,
}: {
  onWebhooks: (integrationId: number) => void;
  onJournal: (accountId: number) => void;
}) {
  const { data, error, reload } = useAdmin<{ accounts: Account[] }>('/__admin/accounts');
  return (
    <>
      <h1>Accounts</h1>
      {error !== null && (
        <Notice kind="error">
          {`Could not load the accounts: ${error} `}
          <button type="button" class="link" onClick={reload}>
            Try again
          </button>
        </Notice>
      )}
      {data === null && error === null && <Notice kind="loading">Loading accounts…</Notice>}
      {data !== null && data.accounts.length === 0 && (
        <Notice kind="empty">
          No accounts yet: make one with `order-inbox bootstrap` or POST /__admin/tenants.
        </Notice>
      )}
      <ul class="cards">
        {(data?.accounts ?? []).map((account) => (
          <li class="card" key={account.account_id}>
            <h2>{`Account #${account.account_id}`}</h2>
            <p class="muted">
              {`${account.partner ? 'Partner' : 'Not a partner'} · created `}
              <Time value={account.created_at} />
            </p>
            <h3>Key pairs</h3>
            <ul>
              {account.credentials.map((c) => (
                <li key={c.public_key}>
                  <code>{c.public_key}</code>
                  {c.oauth_only ? ' (OAuth2 only)' : ''}
                  {c.revoked_at !== null ? ' — revoked' : ''}
                </li>
              ))}
            </ul>
            <h3>Integrations</h3>
            {account.integrations.length === 0 && <p class="muted">None.</p>}
            <ul>
              {account.integrations.map((integration) => (
                <li key={integration.id}>
                  <span class="text">{`${integration.shop_name || 'Unnamed shop'} (#${integration.id}, ${
                    integration.system
                  })`}</span>{' '}
                  <button
                    type="button"
                    class="link"
                    aria-label={`Webhook deliveries of integration ${integration.id}`}
                    onClick={() => onWebhooks(integration.id)}
                  >
                    Webhook deliveries
                  </button>
                </li>
              ))}
            </ul>
            <div class="actions">
              <button type="button" class="secondary" onClick={() => onJournal(account.account_id)}>
                {`Request journal of account #${account.account_id}`}
              </button>
            </div>
          </li>
        ))}
      </ul>
    </>
  );
}

function NumberPicker({
  id,
  label,
  value,
  onPick,
}: {
  id: string;
  label: string;
  value: number | null;
  onPick: (value: number | null) => void;
}) {
  const [draft, setDraft] = useState(value === null ? '' : String(value));
  return (
    <form
      class="filters"
      onSubmit={(e) => {
        e.preventDefault();
        const trimmed = draft.trim();
        onPick(/^\d+$/.test(trimmed) ? Number(trimmed) : null);
      }}
    >
      <div>
        <label for={id}>{label}</label>
        <input id={id} inputMode="numeric" value={draft} onInput={(e) => setDraft(e.currentTarget.value)} />
      </div>
      <div class="actions">
        <button type="submit">Show</button>
      </div>
    </form>
  );
}

export function WebhooksView({
  integrationId,
  setIntegrationId,
}: {
  integrationId: number | null;
  setIntegrationId: (id: number | null) => void;
}) {
  const path =
    integrationId === null
      ? '/__admin/webhooks?limit=100'
      : `/__admin/webhooks?integration_id=${integrationId}&limit=100`;
  const { data, error, reload } = useAdmin<{ deliveries: Delivery[] }>(path);
  return (
    <>
      <h1>Webhook deliveries</h1>
      <p class="muted">
        {integrationId === null
          ? 'Every integration’s, newest first.'
          : `Integration #${integrationId}’s, newest first.`}
      </p>
      <NumberPicker
        key={String(integrationId)}
        id="webhooks-integration"
        label="Integration id (empty: all)"
        value={integrationId}
        onPick={setIntegrationId}
      />
      <p>
        <button type="button" class="secondary" onClick={reload}>
          Refresh
        </button>
      </p>
      {error !== null && <Notice kind="error">{`Could not load the deliveries: ${error}`}</Notice>}
      {data === null && error === null && <Notice kind="loading">Loading deliveries…</Notice>}
      {data !== null && data.deliveries.length === 0 && (
        <Notice kind="empty">
          No webhook went out yet. One is sent when an integration with an active webhook URL is created,
          updated or deleted.
        </Notice>
      )}
      <ul class="cards">
        {(data?.deliveries ?? []).map((d) => (
          <li class="card" key={d.id}>
            <h2>{`${d.action} → integration #${d.integration_id}`}</h2>
            <dl class="fields">
              <div class="field">
                <dt>Status</dt>
                <dd>{`${d.status}${d.captured ? ' (captured, not sent)' : ''}`}</dd>
              </div>
              <div class="field">
                <dt>URL</dt>
                <dd class="text">{d.url}</dd>
              </div>
              <div class="field">
                <dt>Queued</dt>
                <dd>
                  <Time value={d.created_at} />
                </dd>
              </div>
              <div class="field">
                <dt>Delivered</dt>
                <dd>
                  <Time value={d.delivered_at} />
                </dd>
              </div>
              <div class="field">
                <dt>Next attempt</dt>
                <dd>
                  <Time value={d.next_attempt_at} />
                </dd>
              </div>
              <div class="field">
                <dt>Sendcloud-Signature</dt>
                <dd>
                  <code class="text">{d.signature}</code>
                </dd>
              </div>
            </dl>
            <h3>Attempts</h3>
            {d.attempts.length === 0 ? (
              <p class="muted">None yet.</p>
            ) : (
              <table class="attempts">
                <thead>
                  <tr>
                    <th scope="col">When</th>
                    <th scope="col">Outcome</th>
                    <th scope="col">Status code</th>
                    <th scope="col">Took</th>
                    <th scope="col">Error</th>
                  </tr>
                </thead>
                <tbody>
                  {d.attempts.map((a, index) => (
                    <tr key={index}>
                      <td data-label="When">
                        <Time value={a.attempted_at} />
                      </td>
                      <td data-label="Outcome">{a.outcome}</td>
                      <td data-label="Status code">{a.status_code ?? '—'}</td>
                      <td data-label="Took">{a.duration_ms === null ? '—' : `${a.duration_ms} ms`}</td>
                      <td data-label="Error" class="text">
                        {a.error ?? '—'}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            <h3>Signed body</h3>
            <RawJson value={d.body} label={`Body of delivery ${d.id}`} />
          </li>
        ))}
      </ul>
    </>
  );
}

export function JournalView({
  accountId,
  setAccountId,
}: {
  accountId: number | null;
  setAccountId: (id: number | null) => void;
}) {
  const path = accountId === null ? null : `/__admin/journal?account_id=${accountId}&limit=100`;
  const { data, error, reload } = useAdmin<{ entries: JournalEntry[] }>(path);
  return (
    <>
      <h1>Request journal</h1>
      <p class="muted">What a shop sent to this server and what it answered, newest first.</p>
      <NumberPicker
        key={String(accountId)}
        id="journal-account"
        label="Account id"
        value={accountId}
        onPick={setAccountId}
      />
      {accountId === null && <Notice kind="empty">Enter an account id, or open one from Accounts.</Notice>}
      {accountId !== null && (
        <p>
          <button type="button" class="secondary" onClick={reload}>
            Refresh
          </button>
        </p>
      )}
      {error !== null && <Notice kind="error">{`Could not load the journal: ${error}`}</Notice>}
      {accountId !== null && data === null && error === null && (
        <Notice kind="loading">Loading the journal…</Notice>
      )}
      {data !== null && data.entries.length === 0 && (
        <Notice kind="empty">
          Nothing recorded for this account since the server started (the journal is in memory and forgets on
          restart and reset).
        </Notice>
      )}
      <ol class="journal">
        {(data?.entries ?? []).map((entry) => (
          <li key={entry.id}>
            <details>
              <summary>
                <span class={`status s${String(entry.status).charAt(0)}`}>{entry.status}</span>{' '}
                <span class="text">{`${entry.method} ${entry.path}${entry.query ? `?${entry.query}` : ''}`}</span>{' '}
                <span class="muted">{`${entry.operation} · ${entry.duration_ms} ms · `}</span>
                <Time value={entry.at} />
              </summary>
              <h3>Request body</h3>
              <RawJson value={entry.request.body} label={`Request body of entry ${entry.id}`} />
              <h3>Answer body</h3>
              <RawJson value={entry.response.body} label={`Answer body of entry ${entry.id}`} />
              <h3>Headers</h3>
              <RawJson
                value={{ request: entry.request.headers, answer: entry.response.headers }}
                label={`Headers of entry ${entry.id}`}
              />
            </details>
          </li>
        ))}
      </ol>
    </>
  );
}
