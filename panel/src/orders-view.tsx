import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { Notice, Time } from './format';
import { NO_FILTERS, v2Pager, v3Pager } from './orders';
import type { ApiVersion, Filters, OrderRow, Page, Pager } from './orders';
import type { Integration } from './integrations-view';

const TITLES: Record<ApiVersion, string> = { v2: 'Shipments (API v2)', v3: 'Orders (API v3)' };

function FilterForm({
  integrations,
  filters,
  onApply,
}: {
  integrations: Integration[];
  filters: Filters;
  onApply: (filters: Filters) => void;
}) {
  const [draft, setDraft] = useState(filters);
  const set = <K extends keyof Filters>(key: K, value: Filters[K]) => setDraft({ ...draft, [key]: value });
  return (
    <form
      class="filters"
      role="search"
      aria-label="Filter orders"
      onSubmit={(e) => {
        e.preventDefault();
        onApply({ ...draft, search: draft.search.trim() });
      }}
    >
      <div>
        <label for="filter-integration">Integration</label>
        <select
          id="filter-integration"
          value={draft.integration === null ? '' : String(draft.integration)}
          onChange={(e) =>
            set('integration', e.currentTarget.value === '' ? null : Number(e.currentTarget.value))
          }
        >
          <option value="">All integrations</option>
          {integrations.map((integration) => (
            <option key={integration.id} value={String(integration.id)}>
              {`${integration.shop_name || 'Unnamed shop'} (#${integration.id})`}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label for="filter-search-in">Search in</label>
        <select
          id="filter-search-in"
          value={draft.searchIn}
          onChange={(e) => set('searchIn', e.currentTarget.value as Filters['searchIn'])}
        >
          <option value="order_number">Order number</option>
          <option value="external_order_id">External order id</option>
          <option value="external_shipment_id">External shipment id</option>
        </select>
      </div>
      <div class="grow">
        <label for="filter-search">Search</label>
        <input
          id="filter-search"
          type="search"
          value={draft.search}
          onInput={(e) => set('search', e.currentTarget.value)}
        />
      </div>
      <div>
        <label for="filter-from">From</label>
        <input
          id="filter-from"
          type="date"
          value={draft.from}
          onInput={(e) => set('from', e.currentTarget.value)}
        />
      </div>
      <div>
        <label for="filter-to">To</label>
        <input
          id="filter-to"
          type="date"
          value={draft.to}
          onInput={(e) => set('to', e.currentTarget.value)}
        />
      </div>
      <div class="actions">
        <button type="submit">Apply</button>
        <button
          type="button"
          class="secondary"
          onClick={() => {
            setDraft(NO_FILTERS);
            onApply(NO_FILTERS);
          }}
        >
          Clear
        </button>
      </div>
    </form>
  );
}

function OrderList({
  api,
  pager,
  integrations,
  onOpen,
}: {
  api: ApiVersion;
  pager: Pager;
  integrations: Integration[];
  onOpen: (row: OrderRow) => void;
}) {
  const [page, setPage] = useState<Page | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [number, setNumber] = useState(1);
  const heading = useRef<HTMLHeadingElement>(null);

  const run = async (step: () => Promise<Page>, pageNumber: number) => {
    setLoading(true);
    setError(null);
    try {
      setPage(await step());
      setNumber(pageNumber);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setLoading(false);
    }
  };
  useEffect(() => {
    void run(() => pager.first(), 1);
  }, [pager]);

  const shopName = (id: number | null) => {
    const integration = integrations.find((i) => i.id === id);
    return integration === undefined
      ? `#${id ?? '?'}`
      : `${integration.shop_name || 'Unnamed shop'} (#${id})`;
  };
  const headingId = `list-${api}`;
  return (
    <section class="order-list" aria-labelledby={headingId} aria-busy={loading}>
      <h2 id={headingId} ref={heading}>
        {TITLES[api]} <span class={`badge ${api}`}>{api}</span>
      </h2>
      {error !== null && (
        <Notice kind="error">
          {`Could not load the ${api} list: ${error} `}
          <button type="button" class="link" onClick={() => void run(() => pager.first(), 1)}>
            Try again
          </button>
        </Notice>
      )}
      {loading && page === null && <Notice kind="loading">Loading {api} orders…</Notice>}
      {page?.unavailable !== undefined && <Notice kind="empty">{page.unavailable}</Notice>}
      {page !== null &&
        page.unavailable === undefined &&
        page.rows.length === 0 &&
        !loading &&
        error === null && (
          <Notice kind="empty">
            {`No ${api} orders match. Push one with ${
              api === 'v2' ? 'POST /api/v2/integrations/{id}/shipments' : 'POST /api/v3/orders'
            }, or widen the filters.`}
          </Notice>
        )}
      {page !== null && page.rows.length > 0 && (
        <table class="orders">
          <caption class="visually-hidden">{`${TITLES[api]}, page ${number}, newest first`}</caption>
          <thead>
            <tr>
              <th scope="col">Order number</th>
              <th scope="col">Customer</th>
              <th scope="col">Integration</th>
              <th scope="col">Arrived</th>
            </tr>
          </thead>
          <tbody>
            {page.rows.map((row) => (
              <tr key={row.key} class="clickable" onClick={() => onOpen(row)}>
                <td data-label="Order number">
                  <span>
                    <button
                      type="button"
                      class="link"
                      onClick={(e) => {
                        e.stopPropagation();
                        onOpen(row);
                      }}
                    >
                      {row.orderNumber || '(no order number)'}
                    </button>
                    <span class={`badge ${api}`} aria-label={`API ${api}`}>
                      {api}
                    </span>
                  </span>
                </td>
                <td data-label="Customer">{row.customer}</td>
                <td data-label="Integration">{shopName(row.integrationId)}</td>
                <td data-label="Arrived">
                  <Time value={row.arrivedAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {page !== null && (page.hasNext || page.hasPrev) && (
        <nav class="pager" aria-label={`${api} pages`}>
          <button
            type="button"
            class="secondary"
            disabled={!page.hasPrev || loading}
            onClick={() => void run(() => pager.prev(), Math.max(1, number - 1))}
          >
            {`Previous ${api} page`}
          </button>
          <span aria-live="polite">{`Page ${number}`}</span>
          <button
            type="button"
            class="secondary"
            disabled={!page.hasNext || loading}
            onClick={() => void run(() => pager.next(), number + 1)}
          >
            {`Next ${api} page`}
          </button>
        </nav>
      )}
    </section>
  );
}

export function OrdersView({
  integrations,
  filters,
  setFilters,
  revision,
  onRefresh,
  onOpen,
}: {
  integrations: Integration[];
  filters: Filters;
  setFilters: (filters: Filters) => void;
  /** Moves when an order was deleted: the lists load again. */
  revision: number;
  onRefresh: () => void;
  onOpen: (row: OrderRow) => void;
}) {
  const ids = integrations.map((i) => i.id);
  const v2 = useMemo(() => v2Pager(filters, ids), [filters, ids.join(','), revision]);
  const v3 = useMemo(() => v3Pager(filters), [filters, revision]);
  return (
    <>
      <h1>Incoming orders</h1>
      <p class="muted">
        What your shop sent, newest first. Times are in your browser's zone; hover one for UTC.{' '}
        <button type="button" class="link" onClick={onRefresh}>
          Refresh the lists
        </button>
      </p>
      <FilterForm integrations={integrations} filters={filters} onApply={setFilters} />
      {integrations.length === 0 && (
        <Notice kind="empty">
          This account has no integrations yet. Create one with `order-inbox integrations create` (or the
          admin API's POST /__admin/tenants).
        </Notice>
      )}
      <div class="lists">
        <OrderList api="v2" pager={v2} integrations={integrations} onOpen={onOpen} />
        <OrderList api="v3" pager={v3} integrations={integrations} onOpen={onOpen} />
      </div>
    </>
  );
}
