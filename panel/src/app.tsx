import { useCallback, useEffect, useState } from 'preact/hooks';
import { clearCredentials, hasAdmin, hasKeyPair } from './api';
import type { Credentials } from './api';
import { AccountsView, JournalView, WebhooksView } from './admin-views';
import { Notice } from './format';
import { IntegrationsView, loadIntegrations } from './integrations-view';
import type { Integration } from './integrations-view';
import { OrderDetail } from './order-detail';
import { NO_FILTERS } from './orders';
import type { Filters, OrderRow } from './orders';
import { OrdersView } from './orders-view';
import { SignIn } from './sign-in';

type View =
  | { name: 'orders' }
  | { name: 'order'; row: OrderRow }
  | { name: 'integrations' }
  | { name: 'accounts' }
  | { name: 'webhooks'; integrationId: number | null }
  | { name: 'journal'; accountId: number | null };

interface Session {
  keyPair: boolean;
  admin: boolean;
  publicKey: string;
}

export function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [view, setView] = useState<View>({ name: 'orders' });
  const [integrations, setIntegrations] = useState<Integration[] | null>(null);
  const [integrationsError, setIntegrationsError] = useState<string | null>(null);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [revision, setRevision] = useState(0);
  const [status, setStatus] = useState<string | null>(null);

  const refreshIntegrations = useCallback(() => {
    setIntegrationsError(null);
    loadIntegrations().then(setIntegrations, (e: unknown) =>
      setIntegrationsError(e instanceof Error ? e.message : String(e)),
    );
  }, []);

  useEffect(() => {
    document.title = `${titleOf(view)} · order-inbox panel`;
  }, [view]);

  if (session === null)
    return (
      <SignIn
        onSignedIn={(credentials: Credentials) => {
          const next = {
            keyPair: hasKeyPair(credentials),
            admin: hasAdmin(credentials),
            publicKey: credentials.publicKey,
          };
          setSession(next);
          setView(next.keyPair ? { name: 'orders' } : { name: 'accounts' });
          setIntegrations(null);
          if (next.keyPair) refreshIntegrations();
        }}
      />
    );

  const go = (next: View) => {
    setStatus(null);
    setView(next);
  };
  const tab = (name: View['name'], label: string, target: View) => (
    <li>
      <button
        type="button"
        class="tab"
        aria-current={view.name === name || (name === 'orders' && view.name === 'order') ? 'page' : undefined}
        onClick={() => go(target)}
      >
        {label}
      </button>
    </li>
  );
  const needsKeyPair = (
    <Notice kind="empty">
      This view needs an API key pair: sign out and sign in with a public and a secret key.
    </Notice>
  );

  let body;
  switch (view.name) {
    case 'orders':
      body = !session.keyPair ? (
        needsKeyPair
      ) : integrations === null ? (
        integrationsError !== null ? (
          <Notice kind="error">{`Could not load the integrations: ${integrationsError}`}</Notice>
        ) : (
          <Notice kind="loading">Loading…</Notice>
        )
      ) : (
        <OrdersView
          integrations={integrations}
          filters={filters}
          setFilters={setFilters}
          revision={revision}
          onRefresh={() => setRevision((r) => r + 1)}
          onOpen={(row) => go({ name: 'order', row })}
        />
      );
      break;
    case 'order':
      body = (
        <OrderDetail
          row={view.row}
          onBack={() => go({ name: 'orders' })}
          onDeleted={(row) => {
            setRevision((r) => r + 1);
            setView({ name: 'orders' });
            setStatus(`Order ${row.orderNumber || row.key} was deleted.`);
          }}
        />
      );
      break;
    case 'integrations':
      body = session.keyPair ? (
        <IntegrationsView
          integrations={integrations}
          error={integrationsError}
          onChanged={refreshIntegrations}
          onWebhooks={session.admin ? (id) => go({ name: 'webhooks', integrationId: id }) : null}
        />
      ) : (
        needsKeyPair
      );
      break;
    case 'accounts':
      body = (
        <AccountsView
          onWebhooks={(id) => go({ name: 'webhooks', integrationId: id })}
          onJournal={(id) => go({ name: 'journal', accountId: id })}
        />
      );
      break;
    case 'webhooks':
      body = (
        <WebhooksView
          integrationId={view.integrationId}
          setIntegrationId={(id) => go({ name: 'webhooks', integrationId: id })}
        />
      );
      break;
    case 'journal':
      body = (
        <JournalView
          accountId={view.accountId}
          setAccountId={(id) => go({ name: 'journal', accountId: id })}
        />
      );
      break;
  }

  return (
    <>
      <a class="skip" href="#content">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">order-inbox</span>
        <nav aria-label="Panel">
          <ul>
            {session.keyPair && tab('orders', 'Incoming orders', { name: 'orders' })}
            {session.keyPair && tab('integrations', 'Integrations', { name: 'integrations' })}
            {session.admin && tab('accounts', 'Accounts', { name: 'accounts' })}
            {session.admin && tab('webhooks', 'Webhooks', { name: 'webhooks', integrationId: null })}
            {session.admin && tab('journal', 'Journal', { name: 'journal', accountId: null })}
          </ul>
        </nav>
        <span class="who muted">
          {session.keyPair ? <code>{session.publicKey}</code> : null}
          {session.admin ? ' admin' : null}
        </span>
        <button
          type="button"
          class="secondary"
          onClick={() => {
            clearCredentials();
            setSession(null);
            setIntegrations(null);
            setFilters(NO_FILTERS);
          }}
        >
          Sign out
        </button>
      </header>
      <main id="content" tabIndex={-1}>
        {status !== null && (
          <p class="notice ok" role="status">
            {status}
          </p>
        )}
        {body}
      </main>
    </>
  );
}

function titleOf(view: View): string {
  switch (view.name) {
    case 'orders':
      return 'Incoming orders';
    case 'order':
      return `Order ${view.row.orderNumber}`;
    case 'integrations':
      return 'Integrations';
    case 'accounts':
      return 'Accounts';
    case 'webhooks':
      return 'Webhook deliveries';
    case 'journal':
      return 'Request journal';
  }
}
