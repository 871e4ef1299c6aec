import { useEffect, useRef, useState } from 'preact/hooks';
import { Fields, Notice, RawJson, Time } from './format';
import { deleteOrder } from './orders';
import type { OrderRow } from './orders';

/** One order: every stored field, formatted, then the JSON as the API answered it; and its deletion. */
export function OrderDetail({
  row,
  onBack,
  onDeleted,
}: {
  row: OrderRow;
  onBack: () => void;
  onDeleted: (row: OrderRow) => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => heading.current?.focus(), [row.key]);

  const confirmDelete = async () => {
    setBusy(true);
    setError(null);
    try {
      await deleteOrder(row);
      dialog.current?.close();
      onDeleted(row);
    } catch (e) {
      dialog.current?.close();
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  const label = row.orderNumber || row.key;
  return (
    <article class="detail" aria-labelledby="order-title">
      <p>
        <button type="button" class="link" onClick={onBack}>
          ← Back to incoming orders
        </button>
      </p>
      <h1 id="order-title" tabIndex={-1} ref={heading}>
        {`Order ${label}`} <span class={`badge ${row.api}`}>{row.api}</span>
      </h1>
      <p class="muted">
        {`Through API ${row.api}; ${row.customer || 'no customer name'}; arrived `}
        <Time value={row.arrivedAt} />
      </p>
      {error !== null && <Notice kind="error">{`Could not delete: ${error}`}</Notice>}
      <p>
        <button type="button" class="danger" onClick={() => dialog.current?.showModal()}>
          Delete
        </button>
      </p>
      <dialog ref={dialog} aria-labelledby="delete-title" aria-describedby="delete-text">
        <h2 id="delete-title">Delete this order?</h2>
        <p id="delete-text">
          {`Order ${label} is removed from order-inbox, as the shop's cancellation would remove it (${
            row.api === 'v2' ? 'POST …/shipments/delete' : 'DELETE /api/v3/orders/{id}'
          }). This cannot be undone.`}
        </p>
        <div class="actions">
          <button type="button" class="secondary" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
          <button type="button" class="danger" disabled={busy} onClick={() => void confirmDelete()}>
            Delete
          </button>
        </div>
      </dialog>
      <section aria-labelledby="fields-title">
        <h2 id="fields-title">Stored fields</h2>
        <Fields object={row.raw} />
      </section>
      <section aria-labelledby="raw-title">
        <h2 id="raw-title">Raw JSON</h2>
        <RawJson value={row.raw} label="The order as the API answers it" />
      </section>
    </article>
  );
}
