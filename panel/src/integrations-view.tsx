import { useState } from 'preact/hooks';
import { ApiError, integrationFieldErrors, publicApi } from './api';
import { Notice, Time } from './format';

/** v2's Integration (`GET /api/v2/integrations`). */
export interface Integration {
  id: number;
  shop_name: string;
  shop_url: string | null;
  system: string;
  failing_since: string | null;
  last_fetch: string | null;
  last_updated_at: string | null;
  service_point_enabled: boolean;
  service_point_carriers: string[];
  webhook_active: boolean;
  webhook_url: string | null;
}

export async function loadIntegrations(): Promise<Integration[]> {
  return (await publicApi<Integration[]>('GET', '/api/v2/integrations')).body;
}

type Draft = {
  shop_name: string;
  shop_url: string;
  webhook_url: string;
  webhook_active: boolean;
  service_point_enabled: boolean;
  service_point_carriers: string;
};

type TextKey = 'shop_name' | 'shop_url' | 'webhook_url' | 'service_point_carriers';
type CheckKey = 'webhook_active' | 'service_point_enabled';

const draftOf = (i: Integration): Draft => ({
  shop_name: i.shop_name ?? '',
  shop_url: i.shop_url ?? '',
  webhook_url: i.webhook_url ?? '',
  webhook_active: i.webhook_active,
  service_point_enabled: i.service_point_enabled,
  service_point_carriers: i.service_point_carriers.join(', '),
});

function FieldError({ id, messages }: { id: string; messages: string[] | undefined }) {
  if (messages === undefined || messages.length === 0) return null;
  return (
    <p id={id} class="field-error">
      {messages.join(' ')}
    </p>
  );
}

/** PATCH /api/v2/integrations/{id} with the changed fields; the API's field errors beside their fields. */
function EditForm({
  integration,
  onSaved,
  onCancel,
}: {
  integration: Integration;
  onSaved: () => void;
  onCancel: () => void;
}) {
  const [draft, setDraft] = useState(draftOf(integration));
  const [message, setMessage] = useState<string | null>(null);
  const [fields, setFields] = useState<Record<string, string[]>>({});
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft({ ...draft, [key]: value });
  const errorId = (name: string) => `edit-${integration.id}-${name}-error`;
  const described = (name: string) => (fields[name] === undefined ? undefined : errorId(name));

  const submit = async (event: Event) => {
    event.preventDefault();
    const original = draftOf(integration);
    const body: Record<string, unknown> = {};
    if (draft.shop_name !== original.shop_name) body.shop_name = draft.shop_name;
    if (draft.shop_url !== original.shop_url) body.shop_url = draft.shop_url === '' ? null : draft.shop_url;
    if (draft.webhook_url !== original.webhook_url)
      body.webhook_url = draft.webhook_url === '' ? null : draft.webhook_url;
    if (draft.webhook_active !== original.webhook_active) body.webhook_active = draft.webhook_active;
    if (draft.service_point_enabled !== original.service_point_enabled)
      body.service_point_enabled = draft.service_point_enabled;
    if (draft.service_point_carriers !== original.service_point_carriers)
      body.service_point_carriers = draft.service_point_carriers
        .split(',')
        .map((c) => c.trim())
        .filter((c) => c !== '');
    setBusy(true);
    setMessage(null);
    setFields({});
    try {
      await publicApi('PATCH', `/api/v2/integrations/${integration.id}`, body);
      onSaved();
    } catch (e) {
      const text = e instanceof Error ? e.message : String(e);
      setMessage(text);
      if (e instanceof ApiError && e.status === 400) setFields(integrationFieldErrors(text) ?? {});
    } finally {
      setBusy(false);
    }
  };

  const id = (name: string) => `edit-${integration.id}-${name}`;
  /** A text member: its label, its input and the API's messages for it. */
  const textField = (name: TextKey, label: string, type?: 'url') => (
    <>
      <label for={id(name)}>{label}</label>
      <input
        id={id(name)}
        type={type}
        value={draft[name]}
        aria-describedby={described(name)}
        aria-invalid={fields[name] !== undefined}
        onInput={(e) => set(name, e.currentTarget.value)}
      />
      <FieldError id={errorId(name)} messages={fields[name]} />
    </>
  );
  /** A yes/no member: its check box, its label after it and the API's messages for it. */
  const checkField = (name: CheckKey, label: string) => (
    <>
      <div class="check">
        <input
          id={id(name)}
          type="checkbox"
          checked={draft[name]}
          aria-describedby={described(name)}
          onChange={(e) => set(name, e.currentTarget.checked)}
        />
        <label for={id(name)}>{label}</label>
      </div>
      <FieldError id={errorId(name)} messages={fields[name]} />
    </>
  );
  return (
    <form
      class="edit"
      onSubmit={submit}
      aria-label={`Edit ${integration.shop_name || 'integration'}`}
      noValidate
    >
      {message !== null && (
        <p class="notice error" role="alert">
          {`The API refused the change: ${message}`}
        </p>
      )}
      {textField('shop_name', 'Shop name')}
      {textField('shop_url', 'Shop URL', 'url')}
      {textField('webhook_url', 'Webhook URL', 'url')}
      {checkField('webhook_active', 'Webhook active')}
      {checkField('service_point_enabled', 'Service points enabled')}
      {textField('service_point_carriers', 'Service point carriers (comma-separated)')}
      <div class="actions">
        <button type="submit" disabled={busy}>
          {busy ? 'Saving…' : 'Save'}
        </button>
        <button type="button" class="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

export function IntegrationsView({
  integrations,
  error,
  onChanged,
  onWebhooks,
}: {
  integrations: Integration[] | null;
  error: string | null;
  onChanged: () => void;
  /** Shown with the admin token: opens the integration's webhook deliveries. */
  onWebhooks: ((id: number) => void) | null;
}) {
  const [editing, setEditing] = useState<number | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  return (
    <>
      <h1>Integrations</h1>
      {saved !== null && (
        <p class="notice ok" role="status">
          {saved}
        </p>
      )}
      {error !== null && <Notice kind="error">{`Could not load the integrations: ${error}`}</Notice>}
      {integrations === null && error === null && <Notice kind="loading">Loading integrations…</Notice>}
      {integrations !== null && integrations.length === 0 && (
        <Notice kind="empty">
          No integrations yet: create one with `order-inbox integrations create --account ID`.
        </Notice>
      )}
      <ul class="cards">
        {(integrations ?? []).map((integration) => (
          <li class="card" key={integration.id}>
            <h2>{`${integration.shop_name || 'Unnamed shop'} (#${integration.id})`}</h2>
            <dl class="fields">
              <div class="field">
                <dt>System</dt>
                <dd>{integration.system}</dd>
              </div>
              <div class="field">
                <dt>Shop URL</dt>
                <dd class="text">{integration.shop_url ?? '—'}</dd>
              </div>
              <div class="field">
                <dt>Webhook</dt>
                <dd class="text">
                  {`${integration.webhook_active ? 'active' : 'inactive'}${
                    integration.webhook_url ? `: ${integration.webhook_url}` : ', no URL'
                  }`}
                </dd>
              </div>
              <div class="field">
                <dt>Service points</dt>
                <dd>
                  {integration.service_point_enabled
                    ? `enabled: ${integration.service_point_carriers.join(', ') || 'no carriers'}`
                    : 'disabled'}
                </dd>
              </div>
              <div class="field">
                <dt>Last updated</dt>
                <dd>
                  <Time value={integration.last_updated_at} />
                </dd>
              </div>
              <div class="field">
                <dt>Last fetch</dt>
                <dd>
                  <Time value={integration.last_fetch} />
                </dd>
              </div>
              <div class="field">
                <dt>Failing since</dt>
                <dd>
                  <Time value={integration.failing_since} />
                </dd>
              </div>
            </dl>
            {editing === integration.id ? (
              <EditForm
                integration={integration}
                onCancel={() => setEditing(null)}
                onSaved={() => {
                  setEditing(null);
                  setSaved(`Saved ${integration.shop_name || `integration #${integration.id}`}.`);
                  onChanged();
                }}
              />
            ) : (
              <div class="actions">
                <button
                  type="button"
                  aria-label={`Edit ${integration.shop_name || `integration #${integration.id}`}`}
                  onClick={() => {
                    setSaved(null);
                    setEditing(integration.id);
                  }}
                >
                  Edit
                </button>
                {onWebhooks !== null && (
                  <button type="button" class="secondary" onClick={() => onWebhooks(integration.id)}>
                    Webhook deliveries
                  </button>
                )}
              </div>
            )}
          </li>
        ))}
      </ul>
    </>
  );
}
